using DevServe;

// Serves one page on a free port with Racket's banner, until SIGINT or SIGTERM (or the quit page).
await Launch.ServeLaunchWait(semaphore => Dispatchers.Sequencer(Launch.QuitPage(semaphore), Dispatchers.Lift(_ => Response.Text("probe"))),
    banner: true, port: 0);
return 0;
