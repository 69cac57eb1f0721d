// The supervisor logic: filled in by the supervisor work.
