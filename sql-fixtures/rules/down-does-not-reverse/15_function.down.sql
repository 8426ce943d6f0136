DROP FUNCTION mood_label(text);
