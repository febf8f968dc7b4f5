package io.pidspawn.internal.spawn;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.Stdio;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.LongLivedFds;
import io.pidspawn.internal.reaper.Reaper;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * What makes {@link Command.Builder#dieWithParent()} and {@code pidspawn run --die-with-parent}
 * hold when this JVM is killed by SIGKILL:
 * a watcher process, started on the first such spawn, that outlives the JVM long enough to kill
 * the trees the JVM registered with it.
 *
 * <p>The watcher is {@code /bin/sh} in a session of its own, reading a pipe whose write end only
 * this JVM holds (close-on-exec, so no child inherits it). The JVM writes one line per tree part
 * as each child starts, and drops the child's lines once its tree is gone (the child reaped, its
 * cgroups removed, its process group empty). When the JVM ends, however it ends, the kernel closes
 * the write end; the watcher reads end of file, kills every tree still registered (cgroup.kill on
 * v2, freeze and SIGKILL on the v1 freezer, SIGKILL to the process group), removes the cgroups and
 * exits. A watcher that died is started again at the next registration or tick, and told every
 * tree that is still alive.
 *
 * <p>Lines: {@code +ID pg PGID}, {@code +ID cg DIRECTORY} (the rest of the line), {@code -ID}.
 * Every write is made under the watch's lock, so lines never interleave.
 */
public final class OwnerWatch implements Reaper.Chore {
    private static final long TICK_NANOS = 250_000_000L;
    private static final System.Logger LOG = System.getLogger("io.pidspawn");

    /** The watcher: waits for end of file, then kills and removes what is still registered. */
    private static final String SCRIPT = """
            trap '' HUP INT PIPE
            set -f
            nl='
            '
            trees=''
            while IFS= read -r line; do
                case $line in
                +*) trees="$trees$line$nl" ;;
                -*) drop="+${line#-} "
                    kept=''
                    IFS=$nl
                    for t in $trees; do
                        case $t in "$drop"*) ;; *) kept="$kept$t$nl" ;; esac
                    done
                    unset IFS
                    trees=$kept ;;
                esac
            done
            dirs=''
            IFS=$nl
            for t in $trees; do
                rest=${t#* }
                kind=${rest%% *}
                arg=${rest#* }
                if [ "$kind" = cg ]; then
                    if [ -e "$arg/cgroup.kill" ]; then
                        echo 1 > "$arg/cgroup.kill"
                    elif [ -e "$arg/cgroup.freeze" ]; then
                        echo 1 > "$arg/cgroup.freeze"
                        while read -r p; do kill -s KILL "$p"; done < "$arg/cgroup.procs"
                        echo 0 > "$arg/cgroup.freeze"
                    elif [ -e "$arg/freezer.state" ]; then
                        echo FROZEN > "$arg/freezer.state"
                        while read -r p; do kill -s KILL "$p"; done < "$arg/cgroup.procs"
                        echo THAWED > "$arg/freezer.state"
                    fi
                    dirs="$dirs$arg$nl"
                elif [ "$kind" = pg ]; then
                    kill -s KILL -- "-$arg"
                fi
            done 2>/dev/null
            tries=0
            while [ -n "$dirs" ] && [ $tries -lt 100 ]; do
                left=''
                for d in $dirs; do
                    rmdir "$d" 2>/dev/null || { [ -d "$d" ] && left="$left$d$nl"; }
                done
                dirs=$left
                tries=$((tries + 1))
                [ -n "$dirs" ] && sleep 0.05
            done
            """;

    private static volatile OwnerWatch instance;

    /**
     * One child's tree, registered in two steps: its cgroups as the library makes them, before the
     * clone (so the watcher covers the tree from the child's first instruction), then its process
     * group once the child exists.
     */
    public static final class Tree {
        final long id;
        volatile BooleanSupplier reaped = () -> false; // not before the spawn returned
        volatile int group;
        volatile List<Path> cgroups = List.of();

        private Tree(long id) {
            this.id = id;
        }
    }

    /** The tree the calling thread's spawn is registering, between {@link #begin} and its end. */
    private static final ThreadLocal<Tree> BEGUN = new ThreadLocal<>();

    private final Map<Long, Tree> live = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private Child watcher; // guarded by this; null until started
    private int writeEnd = -1; // guarded by this

    private OwnerWatch() {}

    /** The watch, with its watcher running: started by the first child that asks for one. */
    public static OwnerWatch get() throws SpawnException {
        OwnerWatch w = instance;
        if (w == null) {
            synchronized (OwnerWatch.class) {
                w = instance;
                if (w == null) {
                    w = new OwnerWatch();
                    synchronized (w) {
                        try {
                            w.startWatcher();
                        } catch (SpawnException e) {
                            throw e;
                        } catch (ErrnoException e) {
                            throw new SpawnException("/bin/sh", SpawnStep.PREPARE, e.errno(),
                                    "cannot start the die-with-parent watcher: " + e.getMessage(), -1);
                        }
                    }
                    Reaper.get().addChore(w);
                    instance = w;
                }
            }
        }
        return w;
    }

    /**
     * Begins the registration of the tree of the child the calling thread spawns next: the
     * cgroups the library makes for that spawn are registered as they are made
     * ({@link #cgroupsMade}). End it with {@link #started} or {@link #failed}.
     *
     * @return the tree, for the end of the registration
     */
    public Tree begin() {
        Tree t = new Tree(ids.incrementAndGet());
        BEGUN.set(t);
        return t;
    }

    /**
     * The builder made cgroups for the calling thread's spawn: if a registration is begun, the
     * watcher learns them now, before the child exists.
     *
     * @param dirs the cgroups' directories
     */
    static void cgroupsMade(List<Path> dirs) {
        Tree t = BEGUN.get();
        OwnerWatch w = instance;
        if (t == null || w == null) {
            return;
        }
        t.cgroups = dirs.stream().filter(d -> d.toString().indexOf('\n') < 0).toList();
        synchronized (w) { // with tick's drops in order: never a "-ID" before its "+ID"
            w.live.put(t.id, t);
            w.send(cgroupLines(t));
        }
    }

    /**
     * Ends a registration: the child runs, and leads process group {@code group} (or 0). Kept until
     * the child is reaped and the tree is gone (the group empty, the cgroups removed).
     *
     * @param t the tree from {@link #begin}
     * @param group the process group the child leads, or 0
     * @param reaped whether the child has been reaped (cheap, thread-safe)
     */
    public void started(Tree t, int group, BooleanSupplier reaped) {
        BEGUN.remove();
        t.group = Math.max(group, 0);
        t.reaped = reaped;
        synchronized (this) {
            if (t.group > 0) {
                live.put(t.id, t);
                send(groupLine(t));
            }
        }
        Reaper.get().nudge();
    }

    /**
     * Ends a registration whose spawn failed: its cgroups, which the builder removes, are dropped
     * once they are gone.
     *
     * @param t the tree from {@link #begin}
     */
    public void failed(Tree t) {
        BEGUN.remove();
        t.reaped = () -> true;
        Reaper.get().nudge();
    }

    /** How many trees the watcher would kill now (tests). */
    public int liveCount() {
        return live.size();
    }

    private static String lines(Tree t) {
        return groupLine(t) + cgroupLines(t);
    }

    private static String groupLine(Tree t) {
        return t.group > 0 ? "+" + t.id + " pg " + t.group + "\n" : "";
    }

    private static String cgroupLines(Tree t) {
        StringBuilder s = new StringBuilder();
        for (Path dir : t.cgroups) {
            s.append('+').append(t.id).append(" cg ").append(dir).append('\n');
        }
        return s.toString();
    }

    /** Whether the tree is gone: child reaped, its group empty, its cgroups removed. */
    private static boolean gone(Tree t) {
        if (!t.reaped.getAsBoolean()) {
            return false;
        }
        if (t.group > 0 && Libc.kill(-t.group, 0) != -Errno.ESRCH) {
            return false;
        }
        for (Path dir : t.cgroups) {
            if (Files.exists(dir)) {
                return false;
            }
        }
        return true;
    }

    /** Writes text to the watcher; a watcher that is gone (EPIPE) is started again and told every live tree. */
    private void send(String text) {
        int r = writeEnd < 0 ? -Errno.EPIPE : write(text);
        if (r == -Errno.EPIPE) {
            restart();
        } else if (r < 0) {
            LOG.log(System.Logger.Level.ERROR, "pidspawn: cannot write to the die-with-parent watcher: " + Errno.describe(-r));
        }
    }

    private void restart() {
        try {
            startWatcher();
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.ERROR, "pidspawn: cannot start the die-with-parent watcher again, so"
                    + " children are not killed if this JVM dies: " + e.getMessage());
        }
    }

    /** Writes all of text: 0, or -errno. */
    private int write(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
            long off = 0;
            while (off < bytes.length) {
                long n = Libc.write(writeEnd, buf.asSlice(off), bytes.length - off);
                if (n < 0 && n != -Errno.EINTR) {
                    return (int) n;
                }
                off += Math.max(n, 0);
            }
            return 0;
        }
    }

    /** Starts a (new) watcher and tells it every tree still alive. */
    private void startWatcher() throws ErrnoException {
        if (writeEnd >= 0) {
            Libc.close(writeEnd);
            writeEnd = -1;
        }
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        if (p.length == 1) {
            throw new SpawnException("/bin/sh", SpawnStep.PREPARE, -p[0], "pipe2 for the die-with-parent watcher", -1);
        }
        try {
            Command sh = Command.builder("/bin/sh").args("-c", SCRIPT).arg0("pidspawn-watch")
                    .clearEnv().env("PATH", "/usr/local/bin:/usr/bin:/bin")
                    .cwd(Path.of("/")).newSession()
                    .stdin(Stdio.fd(p[0])).stdout(Stdio.discard()).stderr(Stdio.discard())
                    .build();
            try (sh) {
                if (watcher != null) {
                    watcher.close(); // it has exited: this only releases its handle
                }
                watcher = sh.spawn();
            }
        } catch (ErrnoException e) {
            Libc.close(p[1]);
            throw e;
        } finally {
            Libc.close(p[0]);
        }
        writeEnd = LongLivedFds.move(p[1]);
        StringBuilder all = new StringBuilder();
        for (Tree t : live.values()) {
            all.append(lines(t));
        }
        if (write(all.toString()) < 0) {
            LOG.log(System.Logger.Level.ERROR, "pidspawn: the die-with-parent watcher ended as it started");
        }
    }

    @Override
    public long intervalNanos() {
        return TICK_NANOS;
    }

    @Override
    public boolean busy(long nowNanos) {
        return !live.isEmpty();
    }

    @Override
    public void tick(long nowNanos) {
        synchronized (this) {
            if (watcher.exitStatus().isPresent()) {
                live.values().removeIf(OwnerWatch::gone);
                restart(); // it died: a new one learns the trees still alive
                return;
            }
            StringBuilder drops = new StringBuilder();
            live.values().removeIf(t -> {
                if (gone(t)) {
                    drops.append('-').append(t.id).append('\n');
                    return true;
                }
                return false;
            });
            send(drops.toString());
        }
    }
}
