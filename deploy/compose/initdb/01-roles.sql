-- Run once by the postgres image on an empty data directory. Duban's
-- schema owner runs `duban migrate` (which creates the duban_app group
-- role); the API and worker log in as duban_login, a member of it, so
-- row-level security applies to them. Temporal gets its own login.
-- Replace the passwords (or set them later with ALTER ROLE).
CREATE ROLE duban_owner LOGIN PASSWORD 'change-me-owner';
CREATE DATABASE duban OWNER duban_owner;
CREATE ROLE duban_app NOLOGIN;
CREATE ROLE duban_login LOGIN PASSWORD 'change-me-login' IN ROLE duban_app;
CREATE ROLE temporal LOGIN CREATEDB PASSWORD 'change-me-temporal';
