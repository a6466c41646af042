"""kombu's Redis transport with one fix: a worker survives its broker dropping while it holds
a message (a retrying webhook waiting out its countdown, any ETA task).

Celery 5.7 (celery#10242) handles a lost broker by first `collect()`-ing the connection and
then `close()`-ing it. The first pass closes the channel, whose close starts by draining the
BRPOP in flight; with Redis gone that read raises, the channel is left half closed (not marked
closed, unacknowledged messages not restored) and `collect()` then drops the transport's
client. The second pass closes the channel again, now restoring the unacknowledged messages
through a client that no longer exists: `AttributeError("'NoneType' object has no attribute
'hostname'")`, which is not a connection error, so the worker stops for good ("Unrecoverable
error"; issue 14, problem 2). With no message in hand there is nothing to restore and the
worker reconnected, which is why it only showed under a retrying task.

Here a connection error no longer leaves the channel half closed: it closes in the first pass,
its restore meets the lost connection (a connection error the caller ignores), and the second
pass is a no-op. The worker drops what it held (Celery cancels the ETA timers of a lost
connection); the messages stay in Redis's unacked set (written when they were delivered, kept
over a restart by AOF persistence: docs/deploy.md) and are handed out again from it after the
visibility timeout.

Selected with `CELERY_BROKER_TRANSPORT` for redis:// broker URLs (crisisdesk/settings.py);
tests/reliability/test_broker_outage.py kills a private redis-server under a real worker.
"""

from kombu.transport import redis, virtual


class Channel(redis.Channel):
    def close(self) -> None:
        try:
            super().close()
        except self.connection_errors:
            if not self.closed:
                # Redis went away in the middle of the close (the drain of the BRPOP in
                # flight, a fanout binding's delete): finish it without Redis. The restore
                # of the messages in hand then meets the lost connection too, after the
                # channel is marked closed, and the caller ignores that error.
                self._in_poll = False  # no BRPOP in flight (kombu also resets it to None)
                self._disconnect_pools()
                self._close_clients()
                virtual.Channel.close(self)
            raise


class Transport(redis.Transport):
    Channel = Channel
