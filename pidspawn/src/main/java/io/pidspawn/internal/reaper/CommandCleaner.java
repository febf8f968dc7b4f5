package io.pidspawn.internal.reaper;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Releases the builder of a {@code Command} that became unreachable unclosed (and with it the
 * pinned executable and the fds the command holds), and, with {@code -Dpidspawn.leakDetector=true},
 * reports it with the stack trace of where it was built. Like the release of dropped children,
 * it needs no thread of its own: the reaper looks for unreachable commands once a second while
 * any command is open ({@link Reaper.Chore}).
 */
public final class CommandCleaner {
    /** A dropped command, as the leak detector reports it. */
    public record Report(String command, Throwable builtAt) {
        public String message() {
            return "pidspawn: " + command + " became unreachable without being closed; its builder and pinned executable"
                    + " were released. It was built at the stack trace below. Close every Command (try-with-resources).";
        }
    }

    /** What close() calls; runs the release once, whoever calls first. */
    public interface Cleanable {
        void clean();
    }

    private static final List<Consumer<Report>> LISTENERS = new CopyOnWriteArrayList<>();

    private static final class Holder {
        static final Unreachables COMMANDS = new Unreachables(Reaper.get());
    }

    private CommandCleaner() {}

    /** Closes builder once command is unreachable, or when the returned Cleanable is cleaned (close()). */
    public static Cleanable register(Object command, FdHandle builder, String name, Throwable builtAt) {
        Unreachables.Tracked t = Holder.COMMANDS.track(command, () -> {
            if (builder.close() && LeakDetector.ENABLED) {
                report(new Report(name, builtAt));
            }
        });
        return () -> {
            t.cancel();
            builder.close();
        };
    }

    /** How many commands are open (tests). */
    public static int openCount() {
        return Holder.COMMANDS.size();
    }

    public static void addListener(Consumer<Report> l) {
        LISTENERS.add(l);
    }

    public static void removeListener(Consumer<Report> l) {
        LISTENERS.remove(l);
    }

    private static void report(Report r) {
        Log.warning(r.message(), r.builtAt());
        for (Consumer<Report> l : LISTENERS) {
            try {
                l.accept(r);
            } catch (RuntimeException e) {
                Log.error("a leak listener threw", e);
            }
        }
    }
}
