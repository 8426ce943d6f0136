-- expect
SELECT id FROM posts ORDER BY id LIMIT 20 OFFSET 40;

-- expect
SELECT id, published_at FROM posts WHERE published_at < :before ORDER BY published_at LIMIT :limit OFFSET :offset;

-- OFFSET 0 reads nothing extra.
SELECT published_at FROM posts ORDER BY id LIMIT 20 OFFSET 0;
SELECT id FROM posts WHERE id > $1 ORDER BY id LIMIT 20;
