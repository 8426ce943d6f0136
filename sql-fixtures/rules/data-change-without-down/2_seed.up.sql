-- expect
INSERT INTO plans VALUES ('team', 4900);
INSERT INTO flags VALUES ('beta');
-- expect
UPDATE plans SET cents = cents + 100 WHERE code = 'team';
