-- expect
ALTER TABLE "People" DROP COLUMN "FullName";
-- A column the history never had.
ALTER TABLE "People" DROP COLUMN IF EXISTS nickname;
CREATE TABLE tmp (a int, b int);
ALTER TABLE tmp DROP COLUMN b;
