DROP TABLE flags; DROP TABLE plans;
