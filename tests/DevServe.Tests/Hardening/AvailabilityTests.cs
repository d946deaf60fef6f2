using System.Diagnostics;
using System.Net;
using System.Net.Http;

namespace DevServe.Tests.Hardening;

/// <summary>Stuck servlets, lost clients and stops: the server keeps answering and stops on time.</summary>
public sealed class AvailabilityTests
{
    [Fact]
    public async Task Servlets_that_block_their_threads_get_503_and_never_stall_other_requests()
    {
        using var release = new ManualResetEventSlim();
        var blocking = Servlets.DispatchServlet(_ =>
        {
            release.Wait(TimeSpan.FromSeconds(30));   // a servlet stuck in synchronous code
            return Response.Text("late");
        }, regexp: new("^/stuck"));
        var quick = Servlets.DispatchServlet(_ => Response.Text("quick"), regexp: new("^/quick"));
        await using var server = await LoopbackServer.StartAsync(
            Dispatchers.Sequencer(blocking, quick, Dispatchers.Lift(_ => Response.Text("fine"))),
            limits: new SafetyLimits { ResponseTimeout = TimeSpan.FromSeconds(2) });
        try
        {
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 100 })
            {
                BaseAddress = server.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(30),
            };
            var stuck = Enumerable.Range(0, 40).Select(i => client.GetAsync($"/stuck/{i}")).ToArray();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal("fine", await client.GetStringAsync("/other"));
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"10 ordinary requests took {watch.Elapsed} beside 40 stuck ones");
            // Servlets too: the stuck ones hold their threads, and new threads take the others. It waits behind the
            // 38 queued stuck ones for a thread each to start (50 ms of starvation, then one thread per waiting piece):
            // ~1 s on a loaded two-core machine, so the bound is the response timeout, which a stall would pass (the
            // stuck threads are held for 30 s).
            watch.Restart();
            Assert.Equal("quick", await client.GetStringAsync("/quick"));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"a servlet beside 40 stuck ones took {watch.Elapsed}");
            foreach (var answer in await Task.WhenAll(stuck).WaitAsync(TimeSpan.FromSeconds(20)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            }
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task Servlet_code_and_its_awaits_run_under_the_servlet_context_while_tasks_it_starts_use_the_pool()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            // The servlet context: where a servlet's code runs, counted against the pool's budget or on a servlet thread.
            static string? Context() => SynchronizationContext.Current?.GetType().Name;
            var first = Context();
            await Task.Delay(10);   // completes on a timer thread; the servlet must come back through its context
            var afterAwait = Context();
            var k = await Web.SendSuspend(url => Response.Html($"<a href=\"{url}\">next</a>"));
            var afterResume = Context();
            var started = await Task.Factory.StartNew(() => Thread.CurrentThread.IsThreadPoolThread);
            return Response.Text($"{first}|{afterAwait}|{afterResume}|{started}|{TaskScheduler.Current == TaskScheduler.Default}");
        }));
        var link = Browser.FirstLink(await server.Client.GetStringAsync("/"));
        Assert.Equal("PostingContext|PostingContext|PostingContext|True|True", await server.Client.GetStringAsync(link));
    }

    [Fact]
    public async Task A_stream_to_a_client_that_went_away_fails_its_next_write_and_cancels_the_request()
    {
        var writes = 0;
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatch = Dispatchers.Lift(request => Response.Streamed(async output =>
        {
            request.Aborted.Register(() => cancelled.TrySetResult());
            try
            {
                for (var i = 0; i < 50; i++)
                {
                    await output.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"line {i}\n"));
                    await output.FlushAsync();
                    Interlocked.Increment(ref writes);
                    await Task.Delay(50);
                }
            }
            catch (Exception e)
            {
                failed.TrySetResult(e);
                throw;
            }
        }, mime: "text/plain"));
        await using var server = await LoopbackServer.StartAsync(dispatch);
        using (var connection = server.Connect())
        {
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await connection.ReadUntilAsync("line 0");
        }
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.IsAssignableFrom<IOException>(await failed.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(writes < 50, $"all {writes} writes ran");
    }
}
