-- Which worklist changes a gateway has collected: the cursor it last asked from means it
-- keeps every change up to it. A participant is "On worklist" only once their item's
-- latest change is at or below this.
ALTER TABLE gateways ADD COLUMN worklist_acked_seq BIGINT NOT NULL DEFAULT 0;
