using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;

namespace DevServe.Tests;

/// <summary>
/// One servlet (servlets/steps.csx) on several devserve nodes behind a real HAProxy, links signed with a key ring and
/// stored in a real Redis: all started by <c>scripts/cluster up</c> on 127.0.0.1 (docs/scale-out.md).
/// </summary>
[Collection(Name)]
public sealed class ClusterTests
{
    /// <summary>
    /// Each cluster is five processes: one at a time, and alone (after the parallel tests), so they neither wait for
    /// two busy cores nor slow the timing of browser tests beside them.
    /// </summary>
    public const string Name = "Cluster";

    private sealed record Page(HttpStatusCode Status, string Node, string Body, string? Link);

    // A word that gzip cannot shrink: ten of them make a continuation too big for a URL.
    private static string Word() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(150));

    private static async Task<Page> StepAsync(TestCluster cluster, string link, string? word = null)
    {
        using var request = new HttpRequestMessage(word is null ? HttpMethod.Get : HttpMethod.Post, link);
        if (word is not null)
        {
            request.Content = new FormUrlEncodedContent([new("word", word)]);
        }
        using var response = await cluster.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var node = response.Headers.TryGetValues("X-DevServe-Node", out var nodes) ? nodes.Single() : "";
        return new Page(response.StatusCode, node, body, Browser.Links(body).FirstOrDefault(l => l.Contains(";c=", StringComparison.Ordinal) || l.Contains(";k=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_stateless_ten_step_conversation_goes_round_robin_over_every_node_and_finishes()
    {
        await using var cluster = await TestCluster.UpAsync(["--stateless", "--nodes", "3"]);
        var page = await StepAsync(cluster, "/");
        var words = new List<string>();
        var nodes = new List<string> { page.Node };
        var lengths = new List<int>();
        for (var step = 1; step <= 10; step++)
        {
            Assert.Equal(HttpStatusCode.OK, page.Status);
            lengths.Add(page.Link!.Length);
            words.Add(Word());
            page = await StepAsync(cluster, page.Link!, words[^1]);
            nodes.Add(page.Node);
        }
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains($"<p id=\"words\">{string.Join(' ', words)}</p>", page.Body);
        // Round robin: no two requests in a row on one node, and every node served some.
        Assert.All(nodes.Zip(nodes.Skip(1)), pair => Assert.NotEqual(pair.First, pair.Second));
        Assert.Equal(["n1", "n2", "n3"], nodes.Distinct().Order());
        // The links grew, then became keys into the shared store: resolved by whichever node came next.
        Assert.Contains(lengths.Zip(lengths.Skip(1)), pair => pair.Second < pair.First / 2);
        var redis = await RedisServerClient.CountAsync(cluster.RedisUrl, "devserve:url:*");
        Assert.True(redis > 0, "nothing was stored in Redis");
    }

    [Fact]
    public async Task Killing_a_node_mid_conversation_loses_no_stateless_conversation()
    {
        await using var cluster = await TestCluster.UpAsync(["--stateless", "--nodes", "3"]);
        var page = await StepAsync(cluster, "/");
        var words = new List<string>();
        for (var step = 1; step <= 10; step++)
        {
            if (step == 4)
            {
                await cluster.ScriptAsync("kill-node", "2");
            }
            words.Add(Word());
            page = await StepAsync(cluster, page.Link!, words[^1]);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            if (step >= 4)
            {
                Assert.NotEqual("n2", page.Node);
            }
        }
        Assert.Contains(string.Join(' ', words), page.Body);
    }

    [Fact]
    public async Task Killing_a_node_sends_its_stateful_conversations_to_the_expired_page_and_others_go_on()
    {
        await using var cluster = await TestCluster.UpAsync(["--nodes", "3"]);
        // Three conversations: round robin starts one on each node, and each k-url names its node.
        var pages = new List<Page>();
        for (var i = 0; i < 3; i++)
        {
            pages.Add(await StepAsync(cluster, "/"));
        }
        Assert.Equal(["n1", "n2", "n3"], pages.Select(p => p.Node).Order());
        foreach (var p in pages)
        {
            Assert.Contains($";k={p.Node}-", p.Link, StringComparison.Ordinal);
        }
        // Each goes back to its own node, however the balancer turns.
        for (var i = 0; i < 3; i++)
        {
            var next = await StepAsync(cluster, pages[i].Link!, "one");
            Assert.Equal(pages[i].Node, next.Node);
            pages[i] = next;
        }
        await cluster.ScriptAsync("kill-node", "2");
        foreach (var p in pages)
        {
            var next = await StepAsync(cluster, p.Link!, "two");
            if (p.Node == "n2")
            {
                Assert.Equal(HttpStatusCode.NotFound, next.Status);
                Assert.Contains("expired", next.Body, StringComparison.OrdinalIgnoreCase);
                Assert.NotEqual("n2", next.Node);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, next.Status);
                Assert.Contains("So far: <span id=\"sofar\">one two</span>", next.Body);
            }
        }
        // A new conversation starts on the nodes that are left.
        var fresh = await StepAsync(cluster, "/");
        Assert.Equal(HttpStatusCode.OK, fresh.Status);
        Assert.NotEqual("n2", fresh.Node);

        // Node 2 again: a new process (HAProxy reloaded for its new port), which holds none of the old conversations
        // and takes new ones.
        await cluster.ScriptAsync("start-node", "2");
        var lost = pages.Single(p => p.Node == "n2");
        var again = await StepAsync(cluster, lost.Link!, "three");
        Assert.Equal((HttpStatusCode.NotFound, "n2"), (again.Status, again.Node));
        var starts = new List<string>();
        for (var i = 0; i < 6 && !starts.Contains("n2"); i++)
        {
            var start = await StepAsync(cluster, "/");
            Assert.Equal(HttpStatusCode.OK, start.Status);
            starts.Add(start.Node);
        }
        Assert.Contains("n2", starts);
    }

    [Fact]
    public async Task Old_links_verify_after_a_key_rotation_until_their_key_is_retired()
    {
        await using var cluster = await TestCluster.UpAsync(["--stateless", "--nodes", "2"]);
        var old = (await StepAsync(cluster, "/")).Link!;
        var oldKey = KeyRings.Redis(cluster.RedisUrl).Entries.Single();
        Assert.Contains("signs new links", await cluster.KeysAsync("rotate"), StringComparison.Ordinal);
        var ring = KeyRings.Redis(cluster.RedisUrl, TimeSpan.Zero);
        var newKey = ring.Entries[0];
        Assert.NotEqual(oldKey.Id, newKey.Id);

        // The nodes read the ring again within its refresh interval; until then they may still sign with the old key.
        var onlyNew = Stuffers.Make(newKey.Key, Stores.Redis(cluster.RedisUrl));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Page fresh;
        do
        {
            fresh = await StepAsync(cluster, old, "before");
            Assert.Equal(HttpStatusCode.OK, fresh.Status);   // the old link still verifies, on every node
        }
        while (!SignedBy(onlyNew, fresh.Link!) && DateTime.UtcNow < deadline);
        Assert.True(SignedBy(onlyNew, fresh.Link!), "no node signed with the new key within 30 s");
        // A link signed with the new key is good on both nodes at once, even one that has not read the ring again yet.
        Assert.Equal(HttpStatusCode.OK, (await StepAsync(cluster, fresh.Link!, "x")).Status);
        Assert.Equal(HttpStatusCode.OK, (await StepAsync(cluster, fresh.Link!, "y")).Status);

        Assert.Contains(oldKey.Id, await cluster.KeysAsync("list"), StringComparison.Ordinal);
        await cluster.KeysAsync("retire", oldKey.Id);
        var refused = 0;
        while (refused < 2 && DateTime.UtcNow < deadline.AddSeconds(30))   // both nodes, whichever the balancer picks
        {
            var page = await StepAsync(cluster, old, "after");
            refused = page.Status == HttpStatusCode.BadRequest ? refused + 1 : 0;
            Assert.Contains(page.Status, new[] { HttpStatusCode.OK, HttpStatusCode.BadRequest });
            if (page.Status == HttpStatusCode.BadRequest)
            {
                Assert.Contains("This link is not valid", page.Body, StringComparison.Ordinal);
            }
        }
        Assert.Equal(2, refused);
        var goesOn = await StepAsync(cluster, fresh.Link!, "still");
        Assert.Equal(HttpStatusCode.OK, goesOn.Status);
        Assert.Contains("before still", goesOn.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(oldKey.Id, await cluster.KeysAsync("list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_Redis_is_down_links_that_need_the_store_get_a_clear_page_and_the_rest_is_served()
    {
        await using var cluster = await TestCluster.UpAsync(["--stateless", "--nodes", "2"]);
        var page = await StepAsync(cluster, "/");
        for (var previous = int.MaxValue; page.Link!.Length > previous / 2 || previous == int.MaxValue;)
        {
            previous = page.Link.Length;
            page = await StepAsync(cluster, page.Link, Word());   // until the link is a key into the store
            Assert.Equal(HttpStatusCode.OK, page.Status);
        }
        var stored = page.Link;
        var small = (await StepAsync(cluster, "/")).Link!;

        await cluster.ScriptAsync("redis-stop");
        var down = await StepAsync(cluster, stored, "x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Contains("cannot be reached just now", down.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await StepAsync(cluster, "/")).Status);
        var smallStep = await StepAsync(cluster, small, "tiny");
        Assert.Equal(HttpStatusCode.OK, smallStep.Status);
        Assert.Contains("tiny", smallStep.Body, StringComparison.Ordinal);

        await cluster.ScriptAsync("redis-start");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Page back;
        do
        {
            back = await StepAsync(cluster, stored, "x");
            Assert.Contains(back.Status, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable });
        }
        while (back.Status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, back.Status);   // reconnected by itself, and the stored link survived (append-only file)
    }

    [Fact]
    public async Task The_store_stays_within_its_bound_under_a_flood_of_large_requests()
    {
        await using var cluster = await TestCluster.UpAsync(["--stateless", "--nodes", "1"],
            new Dictionary<string, string> { ["DEVSERVE_CLUSTER_REDIS_MAXMEMORY"] = "3mb" });
        var ring = KeyRings.Redis(cluster.RedisUrl).Entries.Select(e => e.Id).ToArray();
        // Anonymous requests, as large as the limits allow, store nothing.
        var before = await RedisServerClient.CountAsync(cluster.RedisUrl, "devserve:url:*");
        for (var i = 0; i < 50; i++)
        {
            var page = await StepAsync(cluster, "/?pad=" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2000)));
            Assert.True(page.Status is HttpStatusCode.OK or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.RequestUriTooLong, $"{page.Status}");
        }
        Assert.Equal(before, await RedisServerClient.CountAsync(cluster.RedisUrl, "devserve:url:*"));

        // Conversations whose every link is stored: far more than 3 MB in all.
        var conversations = Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var round = 0; round < 12; round++)
            {
                var page = await StepAsync(cluster, "/");
                for (var step = 0; step < 9; step++)
                {
                    page = await StepAsync(cluster, page.Link!, Word() + Word() + Word());
                    Assert.Equal(HttpStatusCode.OK, page.Status);
                }
            }
        });
        await Task.WhenAll(conversations);
        var info = await RedisServerClient.InfoAsync(cluster.RedisUrl);
        Assert.True(long.Parse(info["evicted_keys"], CultureInfo.InvariantCulture) > 0, "nothing was evicted: the flood was too small to test the bound");
        // What Redis counts against maxmemory (it leaves out its own buffers), with the slack of the last write.
        var counted = long.Parse(info["used_memory"], CultureInfo.InvariantCulture) - long.Parse(info["mem_not_counted_for_evict"], CultureInfo.InvariantCulture);
        Assert.True(counted <= 3 * 1024 * 1024 + 256 * 1024, $"used_memory {info["used_memory"]}, not counted {info["mem_not_counted_for_evict"]}");
        Assert.Equal(1, await RedisServerClient.ExistsAsync(cluster.RedisUrl, "devserve:keyring"));   // no TTL: never evicted
        Assert.Equal(ring, KeyRings.Redis(cluster.RedisUrl).Entries.Select(e => e.Id).ToArray());
    }

    private static bool SignedBy(IStuffer<byte[]> stuffer, string link)
    {
        var value = link[(link.IndexOf(";c=", StringComparison.Ordinal) + 3)..];
        return stuffer.TryOut(System.Text.Encoding.ASCII.GetBytes(value), out _);
    }
}

/// <summary>The cluster tests' collection: not run in parallel with any other.</summary>
[CollectionDefinition(ClusterTests.Name, DisableParallelization = true)]
public sealed class ClusterCollection;

/// <summary>What the tests ask a cluster's Redis, through the client DevServe uses.</summary>
internal static class RedisServerClient
{
    public static async Task<long> CountAsync(string url, string pattern)
    {
        var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(url["redis://".Length..]);
        await using (redis)
        {
            var server = redis.GetServers()[0];
            return server.Keys(pattern: pattern).LongCount();
        }
    }

    public static async Task<int> ExistsAsync(string url, string key)
    {
        var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(url["redis://".Length..]);
        await using (redis)
        {
            return await redis.GetDatabase().KeyExistsAsync(key) ? 1 : 0;
        }
    }

    public static async Task<Dictionary<string, string>> InfoAsync(string url)
    {
        var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(url["redis://".Length..]);
        await using (redis)
        {
            var text = (await redis.GetDatabase().ScriptEvaluateAsync("return redis.call('INFO')")).ToString();
            return text.Split('\n').Select(l => l.Trim().Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        }
    }
}
