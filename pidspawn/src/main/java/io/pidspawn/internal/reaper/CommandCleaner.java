package io.pidspawn.internal.reaper;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    private static final long TICK_NANOS = 1_000_000_000L;

    private static final class Tracked extends PhantomReference<Object> implements Cleanable {
        final FdHandle builder;
        final String name;
        final Throwable builtAt;

        Tracked(Object command, FdHandle builder, String name, Throwable builtAt, ReferenceQueue<Object> q) {
            super(command, q);
            this.builder = builder;
            this.name = name;
            this.builtAt = builtAt;
        }

        @Override
        public void clean() {
            Chore.INSTANCE.tracked.remove(this);
            builder.close();
        }
    }

    private static final class Chore implements Reaper.Chore {
        static final Chore INSTANCE = new Chore();
        static final Reaper REAPER = Reaper.get();

        static {
            REAPER.addChore(INSTANCE);
        }

        final ReferenceQueue<Object> queue = new ReferenceQueue<>();
        final Set<Tracked> tracked = ConcurrentHashMap.newKeySet();

        @Override
        public long intervalNanos() {
            return TICK_NANOS;
        }

        @Override
        public boolean busy(long now) {
            return !tracked.isEmpty();
        }

        @Override
        public void tick(long now) {
            for (Tracked t; (t = (Tracked) queue.poll()) != null; ) {
                if (tracked.remove(t) && t.builder.close() && LeakDetector.ENABLED) {
                    report(new Report(t.name, t.builtAt));
                }
            }
        }
    }

    private CommandCleaner() {}

    /** Closes builder once command is unreachable, or when the returned Cleanable is cleaned (close()). */
    public static Cleanable register(Object command, FdHandle builder, String name, Throwable builtAt) {
        Tracked t = new Tracked(command, builder, name, builtAt, Chore.INSTANCE.queue);
        Chore.INSTANCE.tracked.add(t);
        Chore.REAPER.nudge();
        return t;
    }

    /** How many commands are open (tests). */
    public static int openCount() {
        return Chore.INSTANCE.tracked.size();
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
