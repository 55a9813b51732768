//! actix-web's hello world: the ceiling the hub is measured against in the cache benchmark
//! (docs/BENCHMARKS.md, `scripts/bench_cache.sh`). Same framework, same machine, no work.
//!
//! Run: `cargo run --release --example hello_world [-- 127.0.0.1:8099]`

use actix_web::{App, HttpServer, get};

#[get("/")]
async fn hello() -> &'static str {
    "Hello world!"
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    HttpServer::new(|| App::new().service(hello)).bind(bind)?.run().await
}
