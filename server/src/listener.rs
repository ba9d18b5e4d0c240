//! Accepting connections without being held hostage by them.
//!
//! A client that sends half a request and then nothing would otherwise keep
//! its socket forever (poem's idle timeout only closes connections between
//! requests), and once file descriptors run out poem's accept loop retries at
//! full speed. [`Guarded`] closes connections that stay silent and pauses
//! after a failed accept.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// An acceptor whose connections are closed after `silence` without traffic.
pub(crate) struct Guarded<A> {
    pub inner: A,
    pub silence: Duration,
}

impl<A: Acceptor> Acceptor for Guarded<A> {
    type Io = Silent<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        loop {
            match self.inner.accept().await {
                Ok((io, local, remote, scheme)) => {
                    let io = Silent::new(io, self.silence);
                    return Ok((io, local, remote, scheme));
                }
                Err(err) => {
                    tracing::warn!("cannot accept a connection: {err}; retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

/// A connection that fails its next read once nothing has been read or
/// written for `silence`.
pub(crate) struct Silent<T> {
    inner: T,
    silence: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<T> Silent<T> {
    fn new(inner: T, silence: Duration) -> Silent<T> {
        Silent {
            inner,
            silence,
            deadline: Box::pin(tokio::time::sleep(silence)),
        }
    }

    fn heard(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.silence);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Silent<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.heard();
                Poll::Ready(result)
            }
            Poll::Pending => {
                ready!(this.deadline.as_mut().poll(cx));
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the connection went silent",
                )))
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Silent<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, data));
        this.heard();
        Poll::Ready(written)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs));
        this.heard();
        Poll::Ready(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
