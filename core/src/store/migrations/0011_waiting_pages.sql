-- Schema 11: photographed pages that did not fit a document after two devices' edits were merged
-- (命の宝箱, checkups): kept here, shown to the person, added when a page is removed.

CREATE TABLE "waiting_pages" (
    "entity"    TEXT NOT NULL,                  -- the document's family
    "record_id" TEXT NOT NULL,
    "pages"     TEXT NOT NULL,                  -- JSON array of pages as they travel, oldest first
    PRIMARY KEY ("entity", "record_id")
) STRICT;
