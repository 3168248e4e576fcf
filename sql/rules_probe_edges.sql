-- The unique and reference lookups at their edges: each section pins a case that went
-- wrong once.
\set VERBOSITY default
SELECT udm.create_tenant('pe');
SELECT udm.apply('pe', '{
  "attributes": {
    "name":   {"type": "text"},
    "email":  {"type": "text", "rules": {"unique": true}},
    "author": {"type": "reference", "target": "author"}
  },
  "classes": {
    "author": {"attributes": {"name": {"required": true}, "email": {}}},
    "book":   {"attributes": {"name": {"required": true}, "author": {}}}
  }}') AS version;
\set a1 '''00000000-0000-0000-0000-0000000000a1'''
\set a2 '''00000000-0000-0000-0000-0000000000a2'''
\set b1 '''00000000-0000-0000-0000-0000000000b1'''
\set dead '''00000000-0000-0000-0000-00000000dead'''
INSERT INTO tenant_pe.tc_author (id, name, email) VALUES (:a1, 'Ann', 'ann@example.com'),
                                                         (:a2, 'Bea', 'bea@example.com');
INSERT INTO tenant_pe.tc_book (id, name, author) VALUES (:b1, 'Book', :a1);

-- Indexes rebuilt or dropped under a cached validator: each lookup goes to the index that
-- is there now, never to a dead OID (XX000 "could not open relation").
-- The validator of author, cached by the first DELETE, names book's index of author.
SELECT test_error(format('DELETE FROM tenant_pe.tc_author WHERE id = %L', :a1)) AS referred;
REINDEX INDEX CONCURRENTLY tenant_pe.tc_book__author_idx;
SELECT test_error(format('DELETE FROM tenant_pe.tc_author WHERE id = %L', :a1)) AS after_reindex;
DROP INDEX tenant_pe.tc_book__author_idx;
CREATE INDEX tc_book__author_idx ON tenant_pe.tc_book (author);
SELECT test_error(format('DELETE FROM tenant_pe.tc_author WHERE id = %L', :a1)) AS after_recreate;
-- The validator of book names author's primary key.
SELECT test_error(format('INSERT INTO tenant_pe.tc_book (name, author) VALUES (%L, %L)', 'Lost', :dead)) AS missing;
REINDEX INDEX CONCURRENTLY tenant_pe.tc_author_pkey;
SELECT test_error(format('INSERT INTO tenant_pe.tc_book (name, author) VALUES (%L, %L)', 'Lost', :dead)) AS after_reindex;
-- The validator of author names its own unique index.
SELECT test_error($$INSERT INTO tenant_pe.tc_author (name, email) VALUES ('Ann', 'ann@example.com')$$) AS taken;
REINDEX INDEX CONCURRENTLY tenant_pe.tc_author__email_key;
SELECT test_error($$INSERT INTO tenant_pe.tc_author (name, email) VALUES ('Ann', 'ann@example.com')$$) AS after_reindex;

-- The statement that loads udm into a session (the first of a new connection here): a plain
-- INSERT or UPDATE of the class table has its unique values looked up; an INSERT ... ON
-- CONFLICT handles its conflicts itself; a DO block, whose statements are not known, leaves
-- them to the index.
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('dbname=%s host=%s port=%s', current_database(),
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')) AS conn \gset
SELECT dblink_exec(:'conn', $$INSERT INTO tenant_pe.tc_author (name, email) VALUES ('Ann', 'ann@example.com')$$);
SELECT dblink_exec(:'conn', $$UPDATE tenant_pe.tc_author SET email = 'ann@example.com' WHERE name = 'Bea'$$);
SELECT dblink_exec(:'conn', $$INSERT INTO tenant_pe.tc_author (name, email) VALUES ('Ann', 'ann@example.com')
                              ON CONFLICT (email) WHERE NOT is_deleted DO NOTHING$$);
SELECT dblink_exec(:'conn', $$INSERT INTO tenant_pe.tc_author (name, email) VALUES ('Ann B.', 'ann@example.com')
                              ON CONFLICT (email) WHERE NOT is_deleted DO UPDATE SET name = excluded.name$$);
SELECT name FROM tenant_pe.tc_author WHERE email = 'ann@example.com';
SELECT dblink_exec(:'conn', $$DO 'BEGIN INSERT INTO tenant_pe.tc_author (name, email) VALUES (''Ann'', ''ann@example.com''); END'$$);
SELECT count(*) AS anns FROM tenant_pe.tc_author WHERE email = 'ann@example.com';

-- INSERT ... ON CONFLICT replays: a proposed row that conflicts is not written, so its
-- references are not looked up (as the foreign key does not check them).
UPDATE tenant_pe.tc_author SET is_deleted = true WHERE id = :a2;
INSERT INTO tenant_pe.tc_book (id, name, author) VALUES (:b1, 'Book', :a2) ON CONFLICT (id) DO NOTHING;
INSERT INTO tenant_pe.tc_book (id, name, author) VALUES (:b1, 'Book, 2nd ed.', :a2)
ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING name, author = :a1 AS keeps_author;
-- The same as the first statement of a session.
SELECT dblink_exec(:'conn', format('INSERT INTO tenant_pe.tc_book (id, name, author) VALUES (%L, %L, %L) ON CONFLICT (id) DO NOTHING', :b1, 'Book', :a2));
-- A DO UPDATE that sets the reference writes it: looked up in model terms.
INSERT INTO tenant_pe.tc_book (id, name, author) VALUES (:b1, 'Book', :a2)
ON CONFLICT (id) DO UPDATE SET author = excluded.author;
-- A row an upsert inserts has its references checked by the foreign key alone.
INSERT INTO tenant_pe.tc_book (name, author) VALUES ('Lost', :dead) ON CONFLICT (id) DO NOTHING;
-- Outside an upsert, the same reference is refused in model terms.
INSERT INTO tenant_pe.tc_book (name, author) VALUES ('Lost', :dead);

-- The same across backends: one caches author's validator, another rebuilds book's index.
SELECT dblink_connect('cached', :'conn');
SELECT * FROM dblink('cached', format('SELECT test_error(%L)', format('DELETE FROM tenant_pe.tc_author WHERE id = %L', :a1))) AS t(referred text);
REINDEX INDEX CONCURRENTLY tenant_pe.tc_book__author_idx;
SELECT * FROM dblink('cached', format('SELECT test_error(%L)', format('DELETE FROM tenant_pe.tc_author WHERE id = %L', :a1))) AS t(after_reindex text);
SELECT dblink_disconnect('cached');

SELECT udm.drop_tenant('pe', force => true);
