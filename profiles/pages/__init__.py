"""Everyone's pages over the published segmentation: customer look-up, predict with history and
saved profiles (templates/profiles/)."""
