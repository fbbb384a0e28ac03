-- 文号: each issuer numbers its circulars by year (河南省督办通报〔2026〕3号),
-- across all its lines; the counter is claimed atomically when one is issued.
CREATE TABLE circular_numbers (
  tenant text NOT NULL REFERENCES tenants (code),
  year   int NOT NULL,
  last   int NOT NULL,
  PRIMARY KEY (tenant, year)
);
GRANT SELECT, INSERT, UPDATE ON circular_numbers TO duban_app;
