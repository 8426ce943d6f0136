DROP INDEX items_sku_idx;
