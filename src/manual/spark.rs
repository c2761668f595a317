//! The known-key audit on Apache Spark, and what a crawl costs.
//!
//! When one machine is not enough, the audit runs on Spark, not on a scheduler of our own.
//! `spark/audit_job.py` (PySpark) reads a list of WARC paths (local, `file://` or `https://`,
//! such as Common Crawl's `https://data.commoncrawl.org/...warc.gz`), pipes each file through
//! `machinekey carve -` (streamed in 1 MiB pieces: no executor holds a whole WARC file), groups
//! the carved values by site and page (one site per partition, sorted by page, so `audit --batch`
//! sees a page's values together and its Framework45 derivations and IsolateApps variants are
//! derived once), pipes each partition through `machinekey audit --batch -`, and writes JSON
//! lines: `findings/` (with the page URL as `id` and the WARC file, record offset and field as
//! `source`), `errors/` (malformed records, unreadable values) and `summary/`. The binary and
//! the key list are shipped with `SparkContext.addFile`, so only the driver needs them:
//!
//! ```sh
//! cargo build --release -p machinekey-cli
//! spark-submit --master yarn spark/audit_job.py --paths warc.paths --keys more-keys.txt \
//!     --machinekey target/release/machinekey --out s3a://bucket/audit/   # or --master 'local[2]'
//! ```
//!
//! # Tested in CI
//!
//! `checks/spark/run.sh`, run by CI, installs PySpark 3.5.3 (PyPI) and a JRE (Debian's
//! `default-jre-headless`, when the machine has no `java`), writes four `.warc.gz` files over 18
//! sites (`checks/spark/corpus.py`: ViewStates, EventValidations, forms cookies and resource
//! tokens under 9 planted keys hidden among 5,000 filler pairs, the same values under 9 decoy keys
//! that are in no list, 800 ordinary pages, garbage between records and a file cut inside a
//! record), runs the job with `spark-submit --master 'local[2]'`, and checks that every planted key is
//! found at its page with its key, no decoy is reported, and each malformed record is an error
//! line (about 20 s here, most of it Spark's start).
//!
//! # What a crawl costs
//!
//! From the per-core batch figures measured in
//! [`performance`](super::performance#the-known-key-audit-against-its-floor) (`benches/report.py`,
//! 3,625 built-in keys, every application level and IsolateApps variant of the page URL tried):
//! 100 million pages with one legacy signed ViewState each, at 643 blobs per second per core,
//! take about 43 core-hours; with one Framework45 ViewState each, when the values of a page come
//! together (the job's grouping; 521 blobs/s with 10 values per page), about 53 core-hours,
//! and in the worst case of one value per page (each value pays its page's SP800-108
//! derivations: 53,000 keys/s, 14.6 values/s, from the steady-state bench), about 1,900
//! core-hours. Runs on this machine vary by 5 to 15% (see that chapter), and so do these. The two cores
//! of this machine give 1.5 to 1.9× one core on the batch (the efficiency column of the scaling table there); Spark
//! adds its start (seconds) and a shuffle of the carved values (small next to the WARC bytes),
//! so a cluster's wall time is the core-hours above over its cores.
//!
//! What the job runs on each partition is the command line of [`known_keys`](super::known_keys):
//! `carve` and `audit --batch`.
