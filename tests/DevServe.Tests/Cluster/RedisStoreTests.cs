using System.Diagnostics;
using System.Security.Cryptography;

namespace DevServe.Tests;

/// <summary>The links' store and key ring in a real Redis (DevServe.Redis).</summary>
public sealed class RedisStoreTests
{
    [Fact]
    public async Task A_value_stored_by_one_node_is_read_by_another_with_a_time_to_live()
    {
        await using var redis = await RedisServer.StartAsync();
        var value = RandomNumberGenerator.GetBytes(5000);
        var key = Convert.ToHexStringLower(SHA256.HashData(value));
        new RedisStore(StackExchange.Redis.ConnectionMultiplexer.Connect(RedisConnectionsOptions(redis)), expiry: TimeSpan.FromHours(1)).Write(key, value);
        Assert.True(Stores.Redis(redis.Url).TryRead(key, out var read));
        Assert.Equal(value, read);
        var ttl = int.Parse(await redis.CliAsync("ttl", "devserve:url:" + key), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ttl, 3000, 3600);
        Assert.False(Stores.Redis(redis.Url).TryRead(new string('a', 64), out _));
        Assert.False(Stores.Redis(redis.Url).TryRead("../../etc/passwd", out _));
        Assert.Throws<ArgumentException>(() => Stores.Redis(redis.Url).Write("not hex", value));
        Assert.Throws<ValueTooLargeException>(() => Stores.Redis(redis.Url, maxValueBytes: 100).Write(key, value));
    }

    [Fact]
    public async Task While_Redis_is_down_the_store_fails_at_once_and_recovers_by_itself()
    {
        await using var redis = await RedisServer.StartAsync();
        var store = Stores.Redis(redis.Url);
        var value = RandomNumberGenerator.GetBytes(100);
        var key = Convert.ToHexStringLower(SHA256.HashData(value));
        store.Write(key, value);
        await redis.StopAsync();
        Assert.True(store.TryRead(key, out _));   // kept in memory: content-addressed, so never stale
        var other = RandomNumberGenerator.GetBytes(100);
        var otherKey = Convert.ToHexStringLower(SHA256.HashData(other));
        var clock = Stopwatch.StartNew();
        Assert.Throws<StoreUnavailableException>(() => store.TryRead(otherKey, out _));
        Assert.Throws<StoreUnavailableException>(() => store.Write(otherKey, other));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"failing took {clock.Elapsed}");
        await redis.StartAgainAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                store.Write(otherKey, other);
                break;
            }
            catch (StoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
        Assert.True(Stores.Redis(redis.Url, memoryBytes: 0).TryRead(otherKey, out var read));
        Assert.Equal(other, read);
    }

    [Fact]
    public async Task A_Redis_without_a_memory_bound_is_named_as_a_problem()
    {
        await using var bounded = await RedisServer.StartAsync("64mb");
        Assert.Null(Stores.Redis(bounded.Url).BoundProblem());
        await using var unbounded = await RedisServer.StartAsync("0");
        Assert.Contains("maxmemory", Stores.Redis(unbounded.Url).BoundProblem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_ring_in_Redis_is_shared_rotated_and_retired()
    {
        await using var redis = await RedisServer.StartAsync();
        var store = Stores.Redis(redis.Url);
        var a = KeyRings.Redis(redis.Url, TimeSpan.Zero);
        var b = Stuffers.Make(KeyRings.Redis(redis.Url, TimeSpan.Zero), store);
        var link = Stuffers.Make(a, store).In([1, 2, 3]);
        Assert.True(b.TryOut(link, out _));
        var old = a.Entries[0];
        a.Rotate();
        Assert.True(b.TryOut(link, out _));
        a.Retire(old.Id);
        Assert.False(b.TryOut(link, out _));
        Assert.Contains("\"keys\"", await redis.CliAsync("get", "devserve:keyring"), StringComparison.Ordinal);
        Assert.Equal("-1", await redis.CliAsync("ttl", "devserve:keyring"));   // never expires, never evicted by volatile-lru
    }

    [Theory]
    [InlineData("http://127.0.0.1:6379")]
    [InlineData("redis://")]
    [InlineData("redis://127.0.0.1:6379/db")]
    public void A_malformed_Redis_url_is_refused_clearly(string url)
        => Assert.Contains("redis://", Assert.Throws<FormatException>(() => Stores.Redis(url)).Message, StringComparison.Ordinal);

    private static StackExchange.Redis.ConfigurationOptions RedisConnectionsOptions(RedisServer redis)
        => StackExchange.Redis.ConfigurationOptions.Parse($"127.0.0.1:{redis.Port}");

    [Theory]
    [InlineData("redis://:s3cret@10.0.0.5:6379", "redis://***@10.0.0.5:6379")]
    [InlineData("rediss://user:p%40ss@host:6380/1", "rediss://***@host:6380/1")]
    [InlineData("redis://:s3cret@host:99999", "redis://***@host:99999")]   // malformed: still redacted
    [InlineData("redis://host:6379", "redis://host:6379")]
    public void Redis_urls_lose_their_password_in_messages(string url, string shown)
    {
        Assert.Equal(shown, RedisConnections.Redact(url));
        if (url.Contains("99999", StringComparison.Ordinal))
        {
            Assert.DoesNotContain("s3cret", Assert.Throws<FormatException>(() => Stores.Redis(url)).Message, StringComparison.Ordinal);
        }
    }
}
