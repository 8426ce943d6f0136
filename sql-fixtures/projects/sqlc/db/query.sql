-- name: GetAuthor :one
SELECT * FROM authors WHERE id = $1 LIMIT 1;

-- name: ListAuthorsByNickname :many
SELECT id, name FROM authors WHERE nickname = $1; -- expect: query-references-missing-object
