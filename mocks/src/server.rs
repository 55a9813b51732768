//! The HTTP server that serves all four agencies and the control endpoint on one port.

use crate::config::MockConfig;
use crate::state::MockState;
use crate::{bank, control, fallback, housing_fund, real_estate, tax};
use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// A running mock server. Dropping it stops the server too, without waiting.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<MockState>,
    handle: ServerHandle,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl MockServer {
    /// Binds `addr` (port 0 picks a free port) and serves in the background on the
    /// current tokio runtime (a plain tokio runtime or actix's).
    ///
    /// OS signals are left to the caller: the embedding process decides when to stop.
    pub async fn start(config: MockConfig, addr: SocketAddr) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(MockState::new(config));
        let data = web::Data::from(Arc::clone(&state));
        // Handlers only wait (latency, polls, timeouts) or do little work: a few workers
        // serve load tests, and many servers in one test process stay cheap.
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
            .workers(workers)
            .disable_signals()
            // Requests held by a `timeout` fault never finish: do not wait for them.
            .shutdown_timeout(0)
            .listen(listener)?
            .run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        tracing::info!(%addr, "mock agencies listening");
        Ok(MockServer { addr, state, handle, task: Some(task) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, the base URL of every agency.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> Arc<MockState> {
        Arc::clone(&self.state)
    }

    /// Stops accepting, drops open requests and waits until the server is down.
    pub async fn stop(mut self) {
        self.handle.stop(false).await;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if self.task.is_some() {
            // The command is sent at once; the returned future only waits for completion.
            drop(self.handle.stop(false));
        }
    }
}

/// Every route, for the server and for tests that build an `App` directly.
pub fn routes(config: &mut web::ServiceConfig) {
    let resource = |path: &str| web::resource(path).default_service(web::to(fallback::method_not_allowed));
    config
        .service(resource("/tax/v1/persons/{id_number}/income").route(web::get().to(tax::income)))
        .service(resource("/bdc/api/query").route(web::post().to(real_estate::query)))
        .service(resource("/gjj/v2/account").route(web::get().to(housing_fund::account)))
        .service(resource("/bank/v1/deposit-inquiries").route(web::post().to(bank::submit)))
        .service(resource("/bank/v1/deposit-inquiries/{inquiry_id}").route(web::get().to(bank::poll)))
        .service(
            resource("/__control/faults")
                .route(web::post().to(control::set_faults))
                .route(web::delete().to(control::restore_faults)),
        )
        .service(resource("/__control/calls").route(web::get().to(control::calls)))
        .service(resource("/__control/reset").route(web::post().to(control::reset)))
        .default_service(web::to(fallback::not_found));
}
