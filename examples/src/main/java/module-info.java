/** Small programs that use pidspawn as a library; each checks its own result and exits 1 if it is wrong. */
module io.pidspawn.examples {
    requires io.pidspawn;
}
