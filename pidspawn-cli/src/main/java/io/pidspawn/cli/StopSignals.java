package io.pidspawn.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * What {@code pidspawn batch} does with SIGINT, SIGTERM and SIGHUP: calls back with the signal
 * number (on a thread the JVM starts for the signal) instead of exiting, so that the batch can
 * kill its jobs and report them. A signal pidspawn was started ignoring stays ignored, as
 * nohup(1) and a non-interactive shell's background jobs expect. {@link #close()} puts the
 * previous handlers back.
 */
final class StopSignals implements AutoCloseable {
    private static final List<String> NAMES = List.of("INT", "TERM", "HUP");

    private final Map<Signal, SignalHandler> previous = new HashMap<>();

    StopSignals(IntConsumer onSignal) {
        for (String name : NAMES) {
            Signal sig = new Signal(name);
            SignalHandler old = Signal.handle(sig, s -> onSignal.accept(s.getNumber()));
            if (old == SignalHandler.SIG_IGN) {
                Signal.handle(sig, SignalHandler.SIG_IGN);
            } else {
                previous.put(sig, old);
            }
        }
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
        previous.clear();
    }
}
