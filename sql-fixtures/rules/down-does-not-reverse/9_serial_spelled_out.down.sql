-- `serial` spelled out: an integer sequence owned by the column and a `nextval` default.
CREATE SEQUENCE tags_id_seq AS integer;
CREATE TABLE tags (
    id integer NOT NULL DEFAULT nextval('tags_id_seq'::regclass),
    label text,
    CONSTRAINT tags_pkey PRIMARY KEY (id)
);
ALTER SEQUENCE tags_id_seq OWNED BY tags.id;
