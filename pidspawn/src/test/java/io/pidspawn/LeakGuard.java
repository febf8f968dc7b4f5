package io.pidspawn;

import io.pidspawn.testkit.Helper;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves a fd open or a child unreaped. Registered on every test class
 * with {@code @ExtendWith(LeakGuard.class)}.
 */
public final class LeakGuard implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakGuard.class);

    static {
        // The JVM keeps some fds for its lifetime once first used (the random devices behind
        // @TempDir's names); open them before the first snapshot so they are not counted as leaks.
        try {
            java.nio.file.Files.delete(java.nio.file.Files.createTempDirectory("pidspawn-warmup"));
            new java.security.SecureRandom().nextBytes(new byte[8]);
            // And the socket the JDK keeps once a socket was closed (its "pre-closed" fd).
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).close();
            // Likewise the reaper's epoll fd and eventfd, opened by the first Child.
            io.pidspawn.internal.reaper.Reaper.get();
            // And the fds posix_spawn keeps in reserve for a full fd table.
            io.pidspawn.internal.spawn.FdReserve.fill();
        } catch (java.io.IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("fds", Helper.openFds());
        context.getStore(NS).put("children", Helper.children());
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        @SuppressWarnings("unchecked")
        Set<Integer> fdsBefore = (Set<Integer>) context.getStore(NS).get("fds");
        @SuppressWarnings("unchecked")
        Set<Integer> childrenBefore = (Set<Integer>) context.getStore(NS).get("children");
        // Children that exited are reaped by whoever owns them; give asynchronous reapers a moment.
        Set<Integer> leakedChildren = new TreeSet<>();
        Set<Integer> leakedFds = new TreeSet<>();
        for (int i = 0; i < 50; i++) {
            leakedChildren = new TreeSet<>(Helper.children());
            leakedChildren.removeAll(childrenBefore);
            leakedFds = new TreeSet<>(Helper.openFds());
            leakedFds.removeAll(fdsBefore);
            if (leakedChildren.isEmpty() && leakedFds.isEmpty()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(context.getDisplayName() + " leaked fds " + leakedFds + " " + describe(leakedFds)
                + " and children " + leakedChildren);
    }

    private static String describe(Set<Integer> fds) {
        StringBuilder b = new StringBuilder();
        for (int fd : fds) {
            try {
                b.append(fd).append("->").append(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd))).append(' ');
            } catch (java.io.IOException e) {
                b.append(fd).append("->? ");
            }
        }
        return b.toString();
    }
}
