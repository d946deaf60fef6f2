using System.Net;
using System.Security.Cryptography;
using static DevServe.Web;

namespace DevServe.Tests.Hardening;

/// <summary>The stateless hash store is bounded, never written for anonymous requests, and safe under concurrent writes.</summary>
public sealed class HashStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (string Key, byte[] Value) Entry(int seed, int size)
    {
        var value = new byte[size];
        new Random(seed).NextBytes(value);
        return (Convert.ToHexStringLower(SHA256.HashData(value)), value);
    }

    private int FilesOnDisk => Directory.Exists(_dir.Path) ? Directory.GetFiles(_dir.Path).Length : 0;

    [Fact]
    public void The_oldest_entries_go_when_the_store_passes_its_byte_bound()
    {
        var store = new DirectoryStore(_dir.Path, maxBytes: 10_000, memoryBytes: 0);
        var entries = Enumerable.Range(0, 12).Select(i => Entry(i, 1000)).ToArray();
        foreach (var (key, value) in entries)
        {
            store.Write(key, value);
        }
        Assert.Equal(10, FilesOnDisk);
        Assert.Equal((10, 10_000L), store.Usage);
        Assert.False(store.TryRead(entries[0].Key, out _));
        Assert.False(store.TryRead(entries[1].Key, out _));
        Assert.True(store.TryRead(entries[11].Key, out var newest));
        Assert.Equal(entries[11].Value, newest);
    }

    [Fact]
    public void The_oldest_entries_go_when_the_store_passes_its_count_bound()
    {
        var store = new DirectoryStore(_dir.Path, maxEntries: 3, memoryBytes: 0);
        foreach (var (key, value) in Enumerable.Range(0, 5).Select(i => Entry(i, 10)))
        {
            store.Write(key, value);
        }
        Assert.Equal(3, FilesOnDisk);
    }

    [Fact]
    public void An_entry_past_its_expiry_reads_as_missing_and_is_deleted()
    {
        var store = new DirectoryStore(_dir.Path, expiry: TimeSpan.FromHours(1), memoryBytes: 0);
        var (key, value) = Entry(1, 100);
        store.Write(key, value);
        File.SetLastWriteTimeUtc(Path.Combine(_dir.Path, key), DateTime.UtcNow.AddHours(-2));
        Assert.False(new DirectoryStore(_dir.Path, expiry: TimeSpan.FromHours(1)).TryRead(key, out _));
        Assert.Equal(0, FilesOnDisk);
    }

    [Fact]
    public void Storing_a_value_again_makes_it_the_newest()
    {
        var store = new DirectoryStore(_dir.Path, maxEntries: 3, memoryBytes: 0);
        var entries = Enumerable.Range(0, 4).Select(i => Entry(i, 10)).ToArray();
        store.Write(entries[0].Key, entries[0].Value);
        store.Write(entries[1].Key, entries[1].Value);
        store.Write(entries[2].Key, entries[2].Value);
        store.Write(entries[0].Key, entries[0].Value);   // handed out again
        store.Write(entries[3].Key, entries[3].Value);   // the oldest goes: entry 1, not entry 0
        Assert.True(store.TryRead(entries[0].Key, out _));
        Assert.False(store.TryRead(entries[1].Key, out _));
    }

    [Fact]
    public void A_new_store_counts_what_an_earlier_run_left_and_keeps_within_its_bounds()
    {
        var first = new DirectoryStore(_dir.Path, memoryBytes: 0);
        foreach (var (key, value) in Enumerable.Range(0, 6).Select(i => Entry(i, 100)))
        {
            first.Write(key, value);
        }
        var second = new DirectoryStore(_dir.Path, maxEntries: 4, memoryBytes: 0);
        var (k, v) = Entry(99, 100);
        second.Write(k, v);
        Assert.Equal(4, FilesOnDisk);
    }

    [Fact]
    public async Task Concurrent_writes_of_the_same_value_never_collide()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new DirectoryStore(_dir.Path, memoryBytes: 0)).ToArray();
        var (key, value) = Entry(7, 64 * 1024);
        var failures = 0;
        await Parallel.ForAsync(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 32 }, (i, _) =>
        {
            try
            {
                stores[i % stores.Length].Write(key, value);
                if (!stores[(i + 1) % stores.Length].TryRead(key, out var read) || !read.AsSpan().SequenceEqual(value))
                {
                    Interlocked.Increment(ref failures);
                }
            }
            catch (IOException)
            {
                Interlocked.Increment(ref failures);
            }
            return ValueTask.CompletedTask;
        });
        Assert.Equal(0, failures);
        Assert.Equal([key], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    private static async Task<Response> Start(Request request)
    {
        var next = await SendSuspend(k => Response.Html($"<form method=\"post\" action=\"{k}\"><input name=\"n\"></form>"));
        var length = next.Bindings["n"]?.Length ?? 0;
        await SendSuspend(k => Response.Html($"<p>got {length}</p><a href=\"{k}\">again</a>"));
        return Response.Text("done");
    }

    [Fact]
    public async Task An_anonymous_large_post_gets_413_and_stores_nothing()
    {
        var stuffer = Stuffers.Make(RandomNumberGenerator.GetBytes(32), new DirectoryStore(_dir.Path));
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(Start, stateless: true, stuffer: stuffer));
        var big = new string('x', 200_000);
        for (var i = 0; i < 5; i++)
        {
            var answer = await server.Client.PostAsync("/", new FormUrlEncodedContent([new("junk", big + i)]));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        }
        Assert.Equal(0, FilesOnDisk);
        // The first page from a plain GET fits in its URL and stores nothing either; a large answer to it is stored.
        var page = await server.Client.GetStringAsync("/");
        Assert.Equal(0, FilesOnDisk);
        var k = Browser.FirstLink(page);
        var resumed = await server.Client.PostAsync(k, new FormUrlEncodedContent([new("n", big)]));
        Assert.Contains("got 200000", await resumed.Content.ReadAsStringAsync());
        Assert.Equal(1, FilesOnDisk);
    }
}
