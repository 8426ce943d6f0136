-- expect
ALTER TABLE metrics."Samples" DETACH PARTITION metrics.samples_2024;
ALTER TABLE metrics."Samples" DETACH PARTITION metrics.samples_2025 CONCURRENTLY;
