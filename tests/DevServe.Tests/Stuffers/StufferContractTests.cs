using System.Security.Cryptography;
using CsCheck;

namespace DevServe.Tests;

/// <summary>What every byte stuffer promises: Out(In(v)) == v, and refusing bytes it did not make.</summary>
public abstract class StufferContractTests : IDisposable
{
    protected readonly TempDirectory Store = new();

    protected abstract IStuffer<byte[]> CreateStuffer();

    /// <summary>Whether the stuffer can tell its own bytes from others (the signing ones can).</summary>
    protected virtual bool Authenticates => false;

    /// <summary>Whether the stuffer hands back any bytes unchanged (the identity): then truncated bytes come back truncated.</summary>
    protected virtual bool KeepsWhatItIsGiven => false;

    [Fact]
    public void Out_of_In_is_the_value_for_any_bytes()
    {
        var stuffer = CreateStuffer();
        Gen.Byte.Array[0, 4000].Sample(value => Assert.Equal(value, stuffer.Out(stuffer.In(value))), iter: 200);
    }

    [Fact]
    public void Truncated_bytes_are_refused_or_at_least_never_throw()
    {
        var stuffer = CreateStuffer();
        Gen.Byte.Array[1, 500].Sample(value =>
        {
            var stuffed = stuffer.In(value);
            var ok = stuffer.TryOut(stuffed[..^1], out var back);
            if (KeepsWhatItIsGiven)
            {
                Assert.True(ok);
                Assert.Equal(stuffed[..^1], back);   // nothing to check, nothing lost: exactly the bytes given
            }
            else if (Authenticates)
            {
                Assert.False(ok);
            }
            else if (ok)
            {
                Assert.NotNull(back);
            }
        }, iter: 100);
    }

    public void Dispose() => Store.Dispose();
}

public sealed class IdStufferTests : StufferContractTests
{
    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Id;

    protected override bool KeepsWhatItIsGiven => true;
}

public sealed class GzipStufferTests : StufferContractTests
{
    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Gzip();

    [Fact]
    public void Decompression_is_bounded()
    {
        var bomb = Stuffers.Gzip(maxLength: 10 * 1024 * 1024).In(new byte[5 * 1024 * 1024]);   // 5 MiB of zeros: tens of KB
        Assert.True(bomb.Length < 100_000, $"{bomb.Length} bytes");
        Assert.Equal(5 * 1024 * 1024, Stuffers.Gzip(maxLength: 10 * 1024 * 1024).Out(bomb).Length);
        Assert.False(Stuffers.Gzip(maxLength: 1024 * 1024).TryOut(bomb, out _));
    }
}

public sealed class Base64StufferTests : StufferContractTests
{
    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Base64;

    [Fact]
    public void Output_is_url_safe_without_padding()
        => Gen.Byte.Array[0, 300].Sample(v => Assert.Matches("^[A-Za-z0-9_-]*$", System.Text.Encoding.ASCII.GetString(Stuffers.Base64.In(v))));
}

public sealed class HmacStufferTests : StufferContractTests
{
    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Hmac(RandomNumberGenerator.GetBytes(32));

    protected override bool Authenticates => true;

    [Fact]
    public void A_foreign_key_is_refused()
    {
        var signed = Stuffers.Hmac(RandomNumberGenerator.GetBytes(32)).In("hello"u8.ToArray());
        Assert.False(Stuffers.Hmac(RandomNumberGenerator.GetBytes(32)).TryOut(signed, out _));
        Assert.Throws<FormatException>(() => Stuffers.Hmac(RandomNumberGenerator.GetBytes(32)).Out(signed));
    }
}

public sealed class RotatingHmacStufferTests : StufferContractTests
{
    private static readonly byte[] s_old = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] s_new = RandomNumberGenerator.GetBytes(32);

    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Hmac([s_new, s_old]);

    protected override bool Authenticates => true;

    [Fact]
    public void Values_signed_by_a_retired_key_are_accepted_until_it_is_dropped()
    {
        var byOld = Stuffers.Hmac([s_old]).In("hello"u8.ToArray());
        Assert.Equal("hello"u8.ToArray(), Stuffers.Hmac([s_new, s_old]).Out(byOld));
        Assert.False(Stuffers.Hmac([s_new]).TryOut(byOld, out _));
        var byNew = Stuffers.Hmac([s_new, s_old]).In("hi"u8.ToArray());
        Assert.False(Stuffers.Hmac([s_old]).TryOut(byNew, out _));   // signed with the first key, not the retired one
    }
}

public sealed class EncryptStufferTests : StufferContractTests
{
    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Encrypt(RandomNumberGenerator.GetBytes(32));

    protected override bool Authenticates => true;

    [Fact]
    public void The_value_cannot_be_read_and_another_key_cannot_open_it()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var secret = "the secret in a local"u8.ToArray();
        var sealedValue = Stuffers.Encrypt(key).In(secret);
        Assert.Equal(-1, sealedValue.AsSpan().IndexOf(secret));
        Assert.NotEqual(sealedValue, Stuffers.Encrypt(key).In(secret));   // a fresh nonce each time
        Assert.Equal(secret, Stuffers.Encrypt(key).Out(sealedValue));
        Assert.False(Stuffers.Encrypt(RandomNumberGenerator.GetBytes(32)).TryOut(sealedValue, out _));
        Assert.Equal(secret, Stuffers.Encrypt([RandomNumberGenerator.GetBytes(32), key]).Out(sealedValue));   // rotation
    }
}

public sealed class HashStufferTests : StufferContractTests
{
    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Hash(new DirectoryStore(Store.Path));

    protected override bool Authenticates => true;

    [Fact]
    public void A_missing_or_altered_entry_is_refused()
    {
        var stuffer = CreateStuffer();
        var key = stuffer.In("value"u8.ToArray());
        var file = Path.Combine(Store.Path, System.Text.Encoding.ASCII.GetString(key));
        File.WriteAllText(file, "altered");
        Assert.False(stuffer.TryOut(key, out _));
        File.Delete(file);
        Assert.False(stuffer.TryOut(key, out _));
        Assert.False(stuffer.TryOut("../../etc/passwd"u8.ToArray(), out _));
    }
}

public sealed class DefaultStufferTests : StufferContractTests
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    protected override IStuffer<byte[]> CreateStuffer() => Stuffers.Make(_key, new DirectoryStore(Store.Path));

    protected override bool Authenticates => true;

    [Fact]
    public void Small_values_travel_in_the_url_and_big_ones_in_the_store_under_a_signed_key()
    {
        var stuffer = CreateStuffer();
        var small = stuffer.In("a short log"u8.ToArray());
        Assert.Empty(Directory.GetFiles(Store.Path));
        Assert.True(small.Length < 120);
        var big = RandomNumberGenerator.GetBytes(4000);   // incompressible: would pass 2048 characters
        var stuffed = stuffer.In(big);
        Assert.Single(Directory.GetFiles(Store.Path));
        Assert.True(stuffed.Length < 200, $"{stuffed.Length} bytes");
        Assert.Equal(big, stuffer.Out(stuffed));
        var repetitive = new byte[20_000];                 // compresses well: stays in the URL
        Assert.Equal(repetitive, stuffer.Out(stuffer.In(repetitive)));
        Assert.Single(Directory.GetFiles(Store.Path));
    }

    [Fact]
    public void Changing_any_byte_of_a_stuffed_value_is_refused()
    {
        var stuffer = CreateStuffer();
        foreach (var value in new[] { "step 1, step 2"u8.ToArray(), RandomNumberGenerator.GetBytes(4000) })
        {
            var stuffed = stuffer.In(value);
            for (var i = 0; i < stuffed.Length; i++)
            {
                foreach (var replacement in new byte[] { (byte)'A', (byte)'_', (byte)'0' })
                {
                    if (stuffed[i] == replacement)
                    {
                        continue;
                    }
                    var tampered = (byte[])stuffed.Clone();
                    tampered[i] = replacement;
                    Assert.False(stuffer.TryOut(tampered, out _), $"accepted a change at byte {i}");
                }
            }
        }
    }

    [Fact]
    public void Another_server_with_the_same_key_and_store_reads_it_and_one_with_another_key_does_not()
    {
        var stuffed = CreateStuffer().In(RandomNumberGenerator.GetBytes(4000));
        Assert.True(Stuffers.Make(_key, new DirectoryStore(Store.Path)).TryOut(stuffed, out _));
        Assert.False(Stuffers.Make(RandomNumberGenerator.GetBytes(32), new DirectoryStore(Store.Path)).TryOut(stuffed, out _));
    }
}

public sealed class SerializeStufferTests
{
    private sealed record Step(string Method, string[] Bindings, int Site);

    [Fact]
    public void Records_round_trip_and_garbage_is_refused()
    {
        var stuffer = Stuffers.Serialize<Step>();
        Gen.Select(Gen.String, Gen.String.Array, Gen.Int).Sample((m, b, s) =>
        {
            var back = stuffer.Out(stuffer.In(new Step(m, b, s)));
            Assert.Equal(m, back.Method);
            Assert.Equal(b, back.Bindings);
            Assert.Equal(s, back.Site);
        }, iter: 200);
        Assert.False(stuffer.TryOut("{\"$type\":\"System.IO.FileInfo\"}"u8.ToArray(), out var odd) && odd.Method is not null);
        Assert.False(stuffer.TryOut("not json"u8.ToArray(), out _));
    }
}
