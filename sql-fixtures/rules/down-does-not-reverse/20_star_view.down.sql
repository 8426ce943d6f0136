DROP VIEW mood_view;
