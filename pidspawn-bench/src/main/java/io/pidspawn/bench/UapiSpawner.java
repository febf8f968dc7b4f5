package io.pidspawn.bench;

import static io.pidspawn.uapi.PidfdSpawn.*;

import io.pidspawn.ErrnoException;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.Spawned;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The builder UAPI with no Java API on top: one builder per program, configured once, then
 * pidfd_spawn_run and a blocking pidfd_wait (waitid P_PIDFD) in the calling thread, as C would.
 * It shows what the Java API's reaper hand-off adds to a spawn.
 */
final class UapiSpawner implements Spawner {
    private final Map<List<String>, Integer> builders = new ConcurrentHashMap<>();

    @Override
    public void run(List<String> argv) throws Exception {
        int b = builders.computeIfAbsent(argv, UapiSpawner::open);
        Spawned child = PidfdSpawn.pidfd_spawn_run(b, RunArgs.none());
        try {
            Spawner.checkSuccess(argv, PidfdSpawn.pidfd_wait(child.pidfd(), 0).shellCode());
        } finally {
            PidfdSpawn.close(child.pidfd());
        }
    }

    @Override
    public long capture(List<String> argv, Path dir) {
        throw new UnsupportedOperationException("pidspawn-uapi only spawns and waits");
    }

    private static int open(List<String> argv) {
        try {
            int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, argv.getFirst(), 0);
            pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, (String.join("\0", argv) + "\0").getBytes(StandardCharsets.UTF_8), 0);
            return b;
        } catch (ErrnoException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
