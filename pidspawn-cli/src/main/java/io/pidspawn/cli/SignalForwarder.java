package io.pidspawn.cli;

import io.pidspawn.ErrnoException;
import io.pidspawn.uapi.PidfdSpawn;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * What {@code pidspawn run} does with signals, as system(3) does: SIGTERM and SIGHUP sent to
 * pidspawn are passed on to the child; the terminal's SIGINT reaches the child by itself and
 * pidspawn ignores it (SIGQUIT stays the JVM's thread dump).
 *
 * <p>The forwarding handlers are installed before the child is spawned, so a signal that comes
 * early is held and delivered once the child exists; the child itself starts with default
 * handlers. SIGINT is ignored only after the spawn: an ignored signal would be inherited.
 *
 * <p>With {@code --pty} SIGINT is passed on too: the child leads a session on a terminal of its
 * own, so no key typed at pidspawn's terminal reaches it as a signal, only as a byte on its pty.
 */
final class SignalForwarder {
    private static final List<String> FORWARDED = List.of("TERM", "HUP");

    private static final int NOT_YET = -1, REAPED = -2;

    private int pidfd = NOT_YET;
    private int pending;
    private final boolean onPty;

    SignalForwarder(boolean onPty) {
        this.onPty = onPty;
        for (String name : FORWARDED) {
            Signal.handle(new Signal(name), this::received);
        }
        if (onPty) {
            Signal.handle(new Signal("INT"), this::received);
        }
    }

    private synchronized void received(Signal s) {
        if (pidfd == NOT_YET) {
            pending = s.getNumber();
        } else if (pidfd >= 0) {
            send(s.getNumber());
        }
    }

    synchronized void childStarted(int childPidfd) {
        if (!onPty) {
            Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
        }
        pidfd = childPidfd;
        if (pending != 0) {
            send(pending);
        }
    }

    /** Before the pidfd is closed: its number may be reused, so nothing is sent any more. */
    synchronized void childReaped() {
        pidfd = REAPED;
    }

    private void send(int sig) {
        try {
            PidfdSpawn.pidfd_send_signal(pidfd, sig, 0);
        } catch (ErrnoException exited) {
            // it has exited; its status is on its way
        }
    }
}
