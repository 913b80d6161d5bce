DROP TABLE review_items;
DROP TABLE load_rejections;
DROP TABLE load_rows;
DROP TABLE loads;
