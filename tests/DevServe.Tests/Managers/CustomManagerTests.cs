using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using static DevServe.Web;

namespace DevServe.Tests;

/// <summary>A manager written outside DevServe can bound its memory the way the built-in one does.</summary>
public sealed class CustomManagerTests
{
    /// <summary>Keeps everything, and notes what each stored continuation is estimated to cost.</summary>
    private sealed class MeasuringManager : IManager
    {
        private readonly ThresholdLruManager _inner = new(memoryThreshold: 1L << 30);
        public ConcurrentQueue<long> Stored { get; } = new();
        public Func<Request, Response> ExpirationHandler => _inner.ExpirationHandler;
        public int CreateInstance(Action? expire = null) => _inner.CreateInstance(expire);
        public void AdjustTimeout(int instance, TimeSpan timeout) => _inner.AdjustTimeout(instance, timeout);
        public void ClearContinuations(int instance) => _inner.ClearContinuations(instance);
        public bool TryLookup(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
            => _inner.TryLookup(instance, id, salt, out continuation);
        public bool TryPeek(int instance, long id, ulong salt, [MaybeNullWhen(false)] out object continuation)
            => _inner.TryPeek(instance, id, salt, out continuation);

        public bool TryStore(int instance, object continuation, out long id, out ulong salt)
        {
            Stored.Enqueue(IManager.EstimatedBytes(continuation));
            return _inner.TryStore(instance, continuation, out id, out salt);
        }
    }

    [Fact]
    public async Task A_custom_manager_estimates_a_continuation_by_what_it_holds()
    {
        var manager = new MeasuringManager();
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async request =>
        {
            var posted = await SendSuspend(k => Response.Html($"<form method=post action=\"{k}\"></form>"));
            await SendSuspend(k => Response.Html($"<a href=\"{k}\">{posted.PostData?.Length}</a>"));
            return Response.Text("done");
        }, manager: manager));
        var form = await server.Client.GetStringAsync("/");
        var action = System.Text.RegularExpressions.Regex.Match(form, "action=\"([^\"]+)\"").Groups[1].Value;
        using var big = new FormUrlEncodedContent([new("text", new string('x', 100_000))]);
        var page = await (await server.Client.PostAsync(action, big)).Content.ReadAsStringAsync();
        Assert.Contains(">100005<", page);
        var estimates = manager.Stored.ToArray();
        Assert.Equal(2, estimates.Length);
        Assert.InRange(estimates[0], 1536, 10_000);                  // a flow that holds a small GET
        Assert.InRange(estimates[1], 1536 + 100_005, 1536 + 120_000);  // one that holds the 100 KB POST
        Assert.Equal(1536, IManager.EstimatedBytes(new object()));    // something DevServe did not make: the flat cost
    }
}
