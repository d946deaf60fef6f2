using static DevServe.Web;

namespace DevServe.Tests;

public sealed class ManagerTests
{
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Threshold_lru_evicts_the_least_recently_used_at_once_when_over()
    {
        var manager = new ThresholdLruManager(memoryThreshold: 10 * 1536);
        var instance = manager.CreateInstance();
        var ids = new List<(long Id, ulong Salt)>();
        for (var i = 0; i < 10; i++)
        {
            manager.TryStore(instance, new object(), out var id, out var salt);
            ids.Add((id, salt));
        }
        Assert.Equal(10, manager.Count);
        Assert.True(manager.TryLookup(instance, ids[0].Id, ids[0].Salt, out _));   // now the most recently used
        manager.TryStore(instance, new object(), out _, out _);
        Assert.Equal(10, manager.Count);
        Assert.True(manager.TryPeek(instance, ids[0].Id, ids[0].Salt, out _));
        Assert.False(manager.TryPeek(instance, ids[1].Id, ids[1].Salt, out _));     // the least recently used went
        Assert.True(manager.EstimatedBytes <= manager.MemoryThreshold);
    }

    [Fact]
    public void Threshold_lru_reuses_the_room_of_evicted_and_cleared_continuations_without_mixing_them_up()
    {
        var manager = new ThresholdLruManager(memoryThreshold: 8 * 1536);
        var kept = new Dictionary<(int Instance, long Id, ulong Salt), object>();
        var instances = Enumerable.Range(0, 3).Select(_ => manager.CreateInstance()).ToArray();
        for (var i = 0; i < 1_000; i++)
        {
            var instance = instances[i % 3];
            var continuation = new object();
            manager.TryStore(instance, continuation, out var id, out var salt);
            kept[(instance, id, salt)] = continuation;
            if (i % 97 == 0)
            {
                manager.ClearContinuations(instances[(i + 1) % 3]);
            }
        }
        var found = kept.Where(k => manager.TryPeek(k.Key.Instance, k.Key.Id, k.Key.Salt, out var c) && ReferenceEquals(c, k.Value)).ToList();
        Assert.Equal(manager.Count, found.Count);   // every one still kept is found as itself, under its own key
        Assert.InRange(manager.Count, 1, 8);
        Assert.Equal(manager.Count * 1536L, manager.EstimatedBytes);
        // The most recent ones are those kept (least recently used went first), newest first in the snapshot.
        Assert.Equal(found.Select(f => f.Key.Id).OrderDescending(), manager.Snapshot().Select(c => c.Id));
    }

    [Fact]
    public void Threshold_lru_under_its_threshold_never_evicts()
    {
        var manager = new ThresholdLruManager(memoryThreshold: 1L << 30);
        var instance = manager.CreateInstance();
        for (var i = 0; i < 10_000; i++)
        {
            manager.TryStore(instance, new object(), out _, out _);
        }
        Assert.Equal(10_000, manager.Count);
    }

    [Fact]
    public void Timeout_manager_expires_and_each_use_adds_time()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        var expired = 0;
        using var manager = new TimeoutManager(null, TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(10), time);
        var instance = manager.CreateInstance(() => expired++);
        manager.TryStore(instance, "k", out var id, out var salt);
        time.Now += TimeSpan.FromSeconds(9);
        Assert.True(manager.TryLookup(instance, id, salt, out _));    // deadline 10 s → 20 s
        time.Now += TimeSpan.FromSeconds(9);
        Assert.True(manager.TryPeek(instance, id, salt, out _));      // 18 s: alive; a peek adds nothing
        time.Now += TimeSpan.FromSeconds(3);
        Assert.False(manager.TryPeek(instance, id, salt, out _));     // 21 s: expired
        manager.AdjustTimeout(instance, TimeSpan.FromSeconds(1));
        time.Now += TimeSpan.FromSeconds(2);
        manager.Sweep();
        Assert.Equal(1, expired);
        Assert.False(manager.TryStore(instance, "late", out _, out _));
    }

    [Fact]
    public async Task Over_http_the_lru_bound_holds_count_and_memory_while_flows_go_on()
    {
        const long threshold = 256 * 1024;
        var manager = new ThresholdLruManager(threshold);
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var payload = new byte[64];   // a little state per flow
            for (var i = 0; ; i++)
            {
                var n = i;
                await SendSuspend(k => Response.Html($"<a href=\"{k}\">{n} {payload.Length}</a>"));
            }
        }, manager: manager));
        // Many conversations, each a few steps deep: far more continuations than the threshold holds.
        string? oldest = null, newest = null;
        for (var c = 0; c < 100; c++)
        {
            var k = Browser.FirstLink(await server.Client.GetStringAsync("/"));
            oldest ??= k;
            for (var step = 0; step < 10; step++)
            {
                k = Browser.FirstLink(await server.Client.GetStringAsync(k));
            }
            newest = k;
        }
        Assert.InRange(manager.EstimatedBytes, threshold / 2, threshold);
        Assert.InRange(manager.Count, 50, (int)(threshold / 1536));
        // The newest conversation still works; the oldest have expired.
        Assert.Contains("expired", (await server.Client.FetchAsync(oldest!)).Body);
        Assert.Contains(">11 64<", await server.Client.GetStringAsync(newest!));
    }

    [Fact]
    public async Task An_evicted_live_flow_can_be_collected()
    {
        var manager = new ThresholdLruManager(memoryThreshold: 4 * 1536);
        var tracker = new WeakTracker();
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var marker = tracker.Track();
            await SendSuspend(k => Response.Html($"<a href=\"{k}\">{marker.GetHashCode()}</a>"));
            return Response.Text(marker.ToString()!);
        }, manager: manager));
        for (var i = 0; i < 50; i++)
        {
            await server.Client.GetStringAsync("/");
        }
        var alive = tracker.AliveAfterCollecting(expected: manager.Count);
        Assert.True(alive <= manager.Count + 1, $"{alive} flows alive, {manager.Count} kept");
    }
}
