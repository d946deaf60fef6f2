using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DevServe;

/// <summary>
/// The keys every server of a cluster signs and checks stateless links with, kept in shared storage (a file, or Redis
/// through DevServe.Redis): the newest key signs, every key in the ring verifies, so rotation is <see cref="Rotate"/>
/// now and <see cref="Retire"/> once the old key's links may go. Servers read the ring again at most every
/// <see cref="RefreshInterval"/>; when the storage cannot be reached they keep the keys they have.
/// </summary>
/// <remarks>
/// Own ring, not ASP.NET Core Data Protection's: its payload spends 4 bytes of magic header and a 16-byte key GUID
/// (plus its own IV and MAC) on every value, where a link here spends a 1-byte key id and a 32-byte HMAC; URLs are the
/// storage of a stateless servlet, so they stay short. The document is JSON,
/// <c>{"keys":[{"id":"…","key":"base64","created":"…"}]}</c>, newest first.
/// </remarks>
public sealed class KeyRing
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };
    private readonly object _gate = new();
    private volatile Snapshot? _snapshot;
    private long _readAt;   // Stopwatch timestamp of the last attempt to read the storage
    private long _missReadAt;   // ... and of the last one made for a link no key accepted

    private sealed record Snapshot(string? Text, IReadOnlyList<KeyRingEntry> Entries, IReadOnlyList<byte[]> Keys);

    private sealed record Document([property: JsonPropertyName("keys")] DocumentKey[] Keys);

    private sealed record DocumentKey(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("key")] string Key,
        [property: JsonPropertyName("created")] DateTimeOffset Created);

    /// <summary>A ring kept in <paramref name="storage"/>.</summary>
    /// <param name="storage">Where the ring is kept.</param>
    /// <param name="refreshInterval">How often to read it again (default 2 s).</param>
    public KeyRing(IKeyRingStorage storage, TimeSpan? refreshInterval = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        Storage = storage;
        RefreshInterval = refreshInterval ?? TimeSpan.FromSeconds(2);
        ArgumentOutOfRangeException.ThrowIfLessThan(RefreshInterval, TimeSpan.Zero, nameof(refreshInterval));
    }

    /// <summary>A ring kept in a JSON file (made owner-only on first use); put it where every server reads it.</summary>
    public static KeyRing File(string path, TimeSpan? refreshInterval = null) => new(new KeyRingFile(path), refreshInterval);

    /// <summary>Where the ring is kept.</summary>
    public IKeyRingStorage Storage { get; }

    /// <summary>How often the ring is read again, so a rotation or retirement on one server reaches the others.</summary>
    public TimeSpan RefreshInterval { get; }

    /// <summary>
    /// The keys, newest (the one that signs) first. When the storage holds none, the ring this server knew is written
    /// back (a store restarted empty), or, on first use, a ring of one fresh key is made. A storage that cannot be
    /// read, or holds something broken, leaves the keys as they were last read.
    /// </summary>
    /// <exception cref="KeyRingUnavailableException">The storage cannot be reached and this ring has never read it.</exception>
    /// <exception cref="InvalidDataException">The storage holds something that is not a key ring, and this ring has never read one.</exception>
    public IReadOnlyList<KeyRingEntry> Entries => Current().Entries;

    /// <summary>The keys' bytes, newest first: the same list object until the ring changes.</summary>
    internal IReadOnlyList<byte[]> Keys => Current().Keys;

    /// <summary>Adds a fresh random key, which signs from now on (on other servers within <see cref="RefreshInterval"/>).</summary>
    /// <exception cref="KeyRingUnavailableException">The storage cannot be reached.</exception>
    public KeyRingEntry Rotate()
    {
        var fresh = NewEntry();
        Update(entries => [fresh, .. entries]);
        return fresh;
    }

    /// <summary>
    /// Removes the key <paramref name="id"/> (or the keys whose id starts with it, when that names one): the links it
    /// signed become invalid. The newest key cannot be retired; rotate first.
    /// </summary>
    /// <returns>The retired entry.</returns>
    /// <exception cref="ArgumentException">No key, or several, have that id; or it is the newest.</exception>
    /// <exception cref="KeyRingUnavailableException">The storage cannot be reached.</exception>
    public KeyRingEntry Retire(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        KeyRingEntry? retired = null;
        Update(entries =>
        {
            var matches = entries.Where(e => e.Id.StartsWith(id, StringComparison.OrdinalIgnoreCase)).ToArray();
            retired = matches switch
            {
                [] => throw new ArgumentException($"No key in {Storage.Name} has the id {id}.", nameof(id)),
                [var one] when one == entries[0] => throw new ArgumentException(
                    $"Key {one.Id} is the newest: it signs every new link. Rotate first, then retire it.", nameof(id)),
                [var one] => one,
                _ => throw new ArgumentException($"Several keys' ids start with {id}: give more of it.", nameof(id)),
            };
            return [.. entries.Where(e => e != retired)];
        });
        return retired!;
    }

    /// <summary>Reads the storage now, not at the next <see cref="RefreshInterval"/>.</summary>
    /// <exception cref="KeyRingUnavailableException">The storage cannot be reached.</exception>
    public void Refresh()
    {
        lock (_gate)
        {
            _snapshot = Load(Storage.Read());
            _readAt = System.Diagnostics.Stopwatch.GetTimestamp();
        }
    }

    private Snapshot Current()
    {
        var snapshot = _snapshot;
        if (snapshot is not null && System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _readAt)) < RefreshInterval)
        {
            return snapshot;
        }
        lock (_gate)
        {
            if (_snapshot is { } other && System.Diagnostics.Stopwatch.GetElapsedTime(_readAt) < RefreshInterval)
            {
                return other;   // another thread read it meanwhile
            }
            _readAt = System.Diagnostics.Stopwatch.GetTimestamp();
            string? text;
            try
            {
                text = Storage.Read();
            }
            catch (KeyRingUnavailableException) when (_snapshot is not null)
            {
                return _snapshot;   // keep signing and checking with what we have; try again after the interval
            }
            if (_snapshot is { } known && known.Text == text)
            {
                return known;   // unchanged: the same key list, so stuffers built on it stay
            }
            if (_snapshot is { } last && text is not null && !IsRing(text))
            {
                return last;   // half-written or broken: keep what we had; the next read may find it whole
            }
            try
            {
                if (text is null)
                {
                    // The first server to start makes the ring; another that raced it reads the one that won. A ring that
                    // vanished (a store restarted empty) is written back as this server knew it, so its links stay valid.
                    var made = _snapshot?.Text ?? Serialize([NewEntry()]);
                    text = Storage.TryReplace(null, made) ? made : Storage.Read();
                }
                return _snapshot = Load(text);
            }
            catch (Exception e) when (e is KeyRingUnavailableException or InvalidDataException && _snapshot is not null)
            {
                return _snapshot;   // could not write it back, or lost a race to something broken: keep what we have
            }
        }
    }

    /// <summary>
    /// Whether the keys changed since <paramref name="tried"/> (the keys a link was refused with), reading the storage
    /// again for it: the link may be signed by a key another node has just rotated in. At most one such read per
    /// <paramref name="interval"/> (forged links come as fast as anyone sends them).
    /// </summary>
    internal bool RefreshIfOlder(IReadOnlyList<byte[]> tried, TimeSpan interval)
    {
        var last = Interlocked.Read(ref _missReadAt);
        var limited = (last != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(last) < interval)
            || Interlocked.CompareExchange(ref _missReadAt, System.Diagnostics.Stopwatch.GetTimestamp(), last) != last;
        lock (_gate)   // waits for a read in progress, so a burst of links with the new key all see it
        {
            if (_snapshot is null || !ReferenceEquals(_snapshot.Keys, tried))
            {
                return _snapshot is not null;   // read again since they were tried
            }
            if (limited)
            {
                return false;
            }
            Interlocked.Exchange(ref _readAt, 0);   // stale now: the next use reads the storage
        }
        try
        {
            return !ReferenceEquals(Current().Keys, tried);
        }
        catch (Exception e) when (e is KeyRingUnavailableException or InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Whether the storage holds a ring (read now; nothing is made).</summary>
    /// <exception cref="KeyRingUnavailableException">The storage cannot be reached.</exception>
    public bool Exists() => Storage.Read() is not null;

    private bool IsRing(string text)
    {
        try
        {
            return Parse(text).Count > 0;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private void Update(Func<IReadOnlyList<KeyRingEntry>, IReadOnlyList<KeyRingEntry>> change)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var text = Storage.Read();
            var entries = text is null ? [] : Parse(text);
            var updated = Serialize(change(entries));
            if (Storage.TryReplace(text, updated))
            {
                lock (_gate)
                {
                    _snapshot = Load(updated);
                    _readAt = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                return;
            }
        }
        throw new KeyRingUnavailableException($"{Storage.Name}: the ring kept changing under this update; try again.");
    }

    private Snapshot Load(string? text)
    {
        var entries = text is null ? [] : Parse(text);
        if (entries.Count == 0)
        {
            throw new InvalidDataException($"{Storage.Name}: the key ring holds no key.");
        }
        return new Snapshot(text, entries, [.. entries.Select(e => e.Key)]);
    }

    private List<KeyRingEntry> Parse(string text)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(text, s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Storage.Name}: not a key ring ({e.Message}).", e);
        }
        var entries = new List<KeyRingEntry>();
        foreach (var key in document?.Keys ?? [])
        {
            var bytes = key?.Key is { } text64 ? Base64(text64) : null;
            if (bytes is not { Length: >= 16 })
            {
                throw new InvalidDataException($"{Storage.Name}: each key of a key ring is base64 of at least 16 bytes.");
            }
            entries.Add(new KeyRingEntry(IdOf(bytes), bytes, key!.Created));
        }
        return entries;
    }

    private static byte[]? Base64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static string Serialize(IEnumerable<KeyRingEntry> entries)
        => JsonSerializer.Serialize(new Document([.. entries.Select(e => new DocumentKey(e.Id, Convert.ToBase64String(e.Key), e.Created))]), s_json);

    private static KeyRingEntry NewEntry()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        return new KeyRingEntry(IdOf(key), key, DateTimeOffset.UtcNow);
    }

    // Derived from the key, so a hand-edited id cannot point at another key.
    private static string IdOf(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 4));
}

/// <summary>One key of a <see cref="KeyRing"/>.</summary>
/// <param name="Id">Its name (8 hex digits of its SHA-256: it names the key, it does not reveal it).</param>
/// <param name="Key">Its bytes (32 when made here; a ring written by hand may hold keys of 16 bytes or more).</param>
/// <param name="Created">When it was made.</param>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "A key is bytes.")]
public sealed record KeyRingEntry(string Id, byte[] Key, DateTimeOffset Created);
