package io.pidspawn.bench;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * NuProcess 3.0.0 (posix_spawn through JNA, its own epoll threads) as its README shows it: a
 * handler per process, {@code start()}, {@code waitFor}. NuProcess cannot merge stderr into
 * stdout, so both callbacks append to one buffer.
 */
final class NuProcessSpawner implements Spawner {
    @Override
    public void run(List<String> argv) throws Exception {
        NuProcessBuilder b = new NuProcessBuilder(argv);
        b.setProcessListener(new NuAbstractProcessHandler() {});
        Spawner.checkSuccess(argv, b.start().waitFor(0, TimeUnit.SECONDS));
    }

    @Override
    public long capture(List<String> argv, Path dir) throws Exception {
        Collect out = new Collect();
        NuProcessBuilder b = new NuProcessBuilder(argv);
        b.setCwd(dir);
        b.setProcessListener(out);
        NuProcess p = b.start();
        p.closeStdin(true);
        Spawner.checkRan(argv, p.waitFor(0, TimeUnit.SECONDS));
        return out.bytes();
    }

    /** Keeps what the child writes, as readAllBytes would; callbacks come on NuProcess's thread. */
    private static final class Collect extends NuAbstractProcessHandler {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public void onStdout(ByteBuffer buffer, boolean closed) {
            keep(buffer);
        }

        @Override
        public void onStderr(ByteBuffer buffer, boolean closed) {
            keep(buffer);
        }

        private synchronized void keep(ByteBuffer buffer) {
            byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            kept.writeBytes(chunk);
        }

        synchronized long bytes() {
            return kept.toByteArray().length;
        }
    }
}
