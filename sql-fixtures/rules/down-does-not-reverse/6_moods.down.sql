DROP TABLE moods;
