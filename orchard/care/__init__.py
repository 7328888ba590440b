"""The care log: what farmers did to a tree, a plot or the farm (`records`), checked (`content`),
as people read it (`visible`), and the promise panel (`promise`). Tables: orchard.registry.care_log."""
