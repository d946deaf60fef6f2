using System.Security.Cryptography;

namespace DevServe.Tests;

/// <summary>A key ring in a shared file: servers that share it sign and accept each other's links, through rotations.</summary>
public sealed class KeyRingTests
{
    private static readonly TimeSpan s_now = TimeSpan.Zero;   // read the storage on every use: the tests see changes at once

    [Fact]
    public void Servers_sharing_a_ring_file_accept_each_others_links()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ring.json");
        var store = new DirectoryStore(Path.Combine(dir.Path, "urls"));
        var a = Stuffers.Make(KeyRing.File(path, s_now), store);
        var b = Stuffers.Make(KeyRing.File(path, s_now), store);
        var value = RandomNumberGenerator.GetBytes(100);
        Assert.Equal(value, b.Out(a.In(value)));
        Assert.Single(KeyRing.File(path).Entries);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Old_links_verify_after_a_rotation_until_their_key_is_retired()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ring.json");
        var store = new DirectoryStore(Path.Combine(dir.Path, "urls"));
        var ring = KeyRing.File(path, s_now);
        var node = Stuffers.Make(KeyRing.File(path, s_now), store);   // another server on the same ring
        var old = node.In([1, 2, 3]);
        var first = ring.Entries[0];

        var fresh = ring.Rotate();
        Assert.Equal([fresh.Id, first.Id], ring.Entries.Select(e => e.Id));
        var signedNow = node.In([4, 5, 6]);
        Assert.True(Stuffers.Make(fresh.Key, store).TryOut(signedNow, out _));    // the new key signs
        Assert.False(Stuffers.Make(first.Key, store).TryOut(signedNow, out _));
        Assert.True(node.TryOut(old, out var back));
        Assert.Equal([1, 2, 3], back);

        Assert.Equal(first.Id, ring.Retire(first.Id[..4]).Id);
        Assert.False(node.TryOut(old, out _));
        Assert.True(node.TryOut(signedNow, out _));
    }

    [Fact]
    public void The_newest_key_cannot_be_retired_and_unknown_ids_are_named()
    {
        using var dir = new TempDirectory();
        var ring = KeyRing.File(Path.Combine(dir.Path, "ring.json"), s_now);
        var only = ring.Entries[0];
        Assert.Contains("Rotate first", Assert.Throws<ArgumentException>(() => ring.Retire(only.Id)).Message);
        Assert.Contains("no key", Assert.Throws<ArgumentException>(() => ring.Retire("zzzz")).Message, StringComparison.OrdinalIgnoreCase);
        Assert.Single(ring.Entries);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"keys\":[]}")]
    [InlineData("{\"keys\":[{\"id\":\"x\",\"key\":\"c2hvcnQ=\",\"created\":\"2026-01-01T00:00:00Z\"}]}")]   // a 5-byte key
    [InlineData("{\"keys\":[{\"id\":\"x\",\"key\":\"***\",\"created\":\"2026-01-01T00:00:00Z\"}]}")]
    public void A_file_that_is_not_a_key_ring_is_an_error_naming_it(string text)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("ring.json", text);
        var e = Assert.Throws<InvalidDataException>(() => KeyRing.File(path).Entries);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ring_that_vanishes_from_its_storage_is_written_back_so_its_links_stay_valid()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ring.json");
        var store = new DirectoryStore(Path.Combine(dir.Path, "urls"));
        var ring = KeyRing.File(path, s_now);
        var stuffer = Stuffers.Make(ring, store);
        var link = stuffer.In([7]);
        File.Delete(path);   // a store restarted empty
        Assert.True(stuffer.TryOut(link, out _));
        Assert.True(File.Exists(path));
        Assert.True(Stuffers.Make(KeyRing.File(path), store).TryOut(link, out _));
    }

    [Fact]
    public void A_link_signed_by_a_key_another_server_just_rotated_in_is_accepted_at_once()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ring.json");
        var store = new DirectoryStore(Path.Combine(dir.Path, "urls"));
        var rotating = KeyRing.File(path, s_now);
        var stale = Stuffers.Make(KeyRing.File(path, TimeSpan.FromHours(1)), store);   // would read the ring again in an hour
        Assert.True(stale.TryOut(Stuffers.Make(rotating, store).In([1]), out _));
        rotating.Rotate();
        Assert.True(stale.TryOut(Stuffers.Make(rotating, store).In([2]), out var value));   // unknown key: the ring is read again
        Assert.Equal([2], value);
    }

    [Fact]
    public void A_ring_broken_after_start_keeps_the_keys_it_had()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ring.json");
        var store = new DirectoryStore(Path.Combine(dir.Path, "urls"));
        var ring = KeyRing.File(path, s_now);
        var stuffer = Stuffers.Make(ring, store);
        var link = stuffer.In([3]);
        File.WriteAllText(path, "{\"keys\": [");   // half written
        Assert.True(stuffer.TryOut(link, out _));
        Assert.True(stuffer.TryOut(stuffer.In([4]), out _));
        Assert.Single(ring.Entries);
    }

    [Fact]
    public void A_ring_that_cannot_be_written_back_keeps_the_keys_it_had()
    {
        using var dir = new TempDirectory();
        var ringDir = Path.Combine(dir.Path, "shared");
        Directory.CreateDirectory(ringDir);
        var store = new DirectoryStore(Path.Combine(dir.Path, "urls"));
        var stuffer = Stuffers.Make(KeyRing.File(Path.Combine(ringDir, "ring.json"), s_now), store);
        var link = stuffer.In([5]);
        Directory.Delete(ringDir, recursive: true);   // the shared volume went away
        Assert.True(stuffer.TryOut(link, out _));
        Assert.True(stuffer.TryOut(stuffer.In([6]), out _));
    }
}
