//! A throwaway PostgreSQL server for one test: Debian's binaries (`/usr/lib/postgresql/*/bin`,
//! or `$OPTIN_PG_BIN`), a fresh cluster in a temp dir (`initdb -A trust -U postgres`), listening
//! on a free port of 127.0.0.1 and on a unix socket in that dir only, stopped
//! (`pg_ctl -m fast stop`) and removed when dropped, so also when the test panics. One server
//! per test keeps tests independent and leaves nothing running. Shared by the unit tests
//! (`src/store/mod.rs` includes this file) and the integration tests; only `std`.
//!
//! When the binaries are missing the test fails, it does not skip: `make test` installs them.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct PgServer {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    running: bool,
}

/// The directory holding `initdb` and `pg_ctl`.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("OPTIN_PG_BIN") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("initdb").exists(),
            "OPTIN_PG_BIN={} has no initdb (unset it to use /usr/lib/postgresql/*/bin, which \
             `make test` installs)",
            dir.display()
        );
        return dir;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
        .collect();
    // the newest version: the highest number
    found.sort_by_key(|b| {
        b.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL is missing: no /usr/lib/postgresql/*/bin/initdb (set OPTIN_PG_BIN to the \
             directory of initdb and pg_ctl). `make test` installs it (scripts/setup.sh, Debian's \
             postgresql package); the receiver's tests run against both SQLite and PostgreSQL"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL program, as the `postgres` user when we are root (initdb refuses root).
fn run(root: bool, program: &Path, args: &[&str]) -> Output {
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args)
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

impl PgServer {
    /// Creates and starts the server; panics (failing the test) if it cannot.
    pub fn start() -> PgServer {
        static N: AtomicU32 = AtomicU32::new(0);
        let bin = bin_dir();
        let root = is_root();
        let dir = std::env::temp_dir().join(format!(
            "optin-receiver-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut server = PgServer {
            dir: dir.clone(),
            bin: bin.clone(),
            port: 0,
            running: false,
        };
        if root {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "cannot chown {} to postgres", dir.display());
        }
        let data = dir.join("data");
        let data = data.to_str().unwrap();
        let out = run(
            root,
            &bin.join("initdb"),
            &[
                "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "-N",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = dir.join("log");
        // A port is free when we look; another test may take it before postgres binds it, so
        // try a few.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            if server.pg_ctl_start(root, port).status.success() {
                server.port = port;
                server.running = true;
                server.watch(root);
                return server;
            }
        }
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("PostgreSQL did not start on 127.0.0.1; its log:\n{log}");
    }

    /// `Drop` does not run when the test process aborts or is killed: a watchdog shell then
    /// stops the server (immediate mode) and removes its dir once this process is gone.
    fn watch(&self, root: bool) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let stop = format!(
            "{}{} -D {} -m immediate -w stop",
            if root { "runuser -u postgres -- " } else { "" },
            pg_ctl.display(),
            data.display()
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             if [ -e {data}/postmaster.pid ]; then {stop}; fi; rm -rf {dir}",
            pid = std::process::id(),
            data = data.display(),
            dir = self.dir.display(),
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }

    /// `pg_ctl start` on `port`, 127.0.0.1 only, its unix socket in the temp dir.
    fn pg_ctl_start(&self, root: bool, port: u16) -> Output {
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50",
            self.dir.display()
        );
        run(
            root,
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "30",
                "start",
            ],
        )
    }

    /// Starts a stopped server again, same data and port (for tests of reconnection).
    pub fn restart(&mut self) {
        if self.running {
            return;
        }
        let out = self.pg_ctl_start(is_root(), self.port);
        let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "PostgreSQL did not start again on port {}; its log:\n{log}",
            self.port
        );
        self.running = true;
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of its `postgres` database, for `--db`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (fast: open sessions are ended); `Drop` does it too.
    pub fn stop(&mut self) {
        if self.running {
            self.running = false;
            let data = self.dir.join("data");
            run(
                is_root(),
                &self.bin.join("pg_ctl"),
                &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
            );
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
