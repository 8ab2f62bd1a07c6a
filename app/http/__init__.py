"""HTTP plumbing shared by every route: request ids, and the answer when something breaks."""
