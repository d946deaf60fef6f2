using System.Diagnostics.CodeAnalysis;

namespace DevServe;

/// <summary>
/// A store of one file per key in a directory (created on first write, owner-only on Unix), bounded in total bytes,
/// entry count and age, with the most recently used values also kept in memory.
/// </summary>
/// <remarks>
/// Racket: <c>dir-store</c>, which grows without end. Here the oldest entries are deleted as soon as a write would
/// pass <see cref="MaxBytes"/> or <see cref="MaxEntries"/>, and entries older than <see cref="Expiry"/> read as
/// missing (and are deleted). A URL whose entry is gone gets the servlet's "invalid link" page, as a tampered one
/// does: nothing runs. Keys are checked to be hex, so no key names a path outside the directory. Values are
/// content-addressed (the key is their hash), so a key that exists is never written again, and servers sharing the
/// directory write through unique temporary names and never collide.
/// </remarks>
public sealed class DirectoryStore : IStore
{
    private readonly object _gate = new();
    // What this process knows is on disk, oldest first (file times from a scan, then this process's writes).
    private readonly LinkedList<(string Key, long Bytes, DateTime Written)> _byAge = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, long Bytes, DateTime Written)>> _entries = new(StringComparer.Ordinal);
    private readonly BoundedValues _recent;
    private long _bytes;
    private bool _scanned;

    /// <summary>A store in <paramref name="root"/> with the given bounds (each <c>null</c> = the default).</summary>
    /// <param name="root">The directory.</param>
    /// <param name="maxBytes">Total bytes of values on disk (default 128 MiB).</param>
    /// <param name="maxEntries">Values on disk (default 50,000).</param>
    /// <param name="expiry">How long a value stays readable after it was written (default 7 days).</param>
    /// <param name="memoryBytes">Bytes of recently used values also held in memory (default 8 MiB; 0 = none).</param>
    public DirectoryStore(string root, long? maxBytes = null, int? maxEntries = null, TimeSpan? expiry = null, long? memoryBytes = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = Path.GetFullPath(root);
        MaxBytes = maxBytes ?? 128L * 1024 * 1024;
        MaxEntries = maxEntries ?? 50_000;
        Expiry = expiry ?? TimeSpan.FromDays(7);
        MemoryBytes = memoryBytes ?? 8L * 1024 * 1024;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBytes, nameof(maxBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxEntries, nameof(maxEntries));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Expiry, TimeSpan.Zero, nameof(expiry));
        ArgumentOutOfRangeException.ThrowIfNegative(MemoryBytes, nameof(memoryBytes));
        _recent = new BoundedValues(MemoryBytes);
    }

    /// <summary>The directory.</summary>
    public string Root { get; }

    /// <summary>The most bytes of values kept on disk; the oldest go first.</summary>
    public long MaxBytes { get; }

    /// <summary>The most values kept on disk; the oldest go first.</summary>
    public int MaxEntries { get; }

    /// <summary>How long a value stays readable after it was written.</summary>
    public TimeSpan Expiry { get; }

    /// <summary>Bytes of recently used values also held in memory.</summary>
    public long MemoryBytes { get; }

    /// <summary>Values this process knows are on disk, and their total bytes.</summary>
    public (int Entries, long Bytes) Usage
    {
        get
        {
            lock (_gate)
            {
                ScanOnce();
                return (_entries.Count, _bytes);
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The value alone is larger than <see cref="MaxBytes"/>, or the key is not a hex hash.</exception>
    public void Write(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!BoundedValues.IsKey(key))
        {
            throw new ArgumentException("A store key is a lower-case hex hash.", nameof(key));
        }
        if (value.LongLength > MaxBytes)
        {
            throw new ValueTooLargeException($"A value of {value.LongLength} bytes is larger than the store ({MaxBytes} bytes).");
        }
        var path = Path.Combine(Root, key);
        lock (_gate)
        {
            ScanOnce();
            _recent.Add(key, value);
        }
        if (File.Exists(path))
        {
            // Content-addressed: the same key holds the same bytes. A link handed out again is new again, so it is
            // not the next to be evicted or to expire.
            try
            {
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
                lock (_gate)
                {
                    Track(key, value.LongLength, DateTime.UtcNow);
                }
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Evicted meanwhile (by another server): write it again.
            }
        }
        EnsureDirectory();
        // A unique temporary name per write: two requests (or two servers) storing the same value never share one.
        var temp = Path.Combine(Root, $"{key}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, value);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        lock (_gate)
        {
            Track(key, value.LongLength, DateTime.UtcNow);
            Evict();
        }
    }

    /// <inheritdoc/>
    public bool TryRead(string key, [MaybeNullWhen(false)] out byte[] value)
    {
        value = null;
        if (!BoundedValues.IsKey(key))
        {
            return false;
        }
        var path = Path.Combine(Root, key);
        byte[]? cached = null;
        lock (_gate)
        {
            // Only while this process knows the entry unexpired (memory keeps no time of its own for this store).
            if (_entries.TryGetValue(key, out var known) && !Expired(known.Value.Written) && _recent.TryGet(key, TimeSpan.MaxValue, out var hit))
            {
                cached = hit;
            }
        }
        // The directory is the truth (another server may have evicted the entry): memory only saves reading it.
        if (cached is not null && File.Exists(path))
        {
            value = cached;
            return true;
        }
        try
        {
            var written = File.GetLastWriteTimeUtc(path);
            if (Expired(written))
            {
                lock (_gate)
                {
                    Forget(key);
                }
                File.Delete(path);
                return false;
            }
            value = File.ReadAllBytes(path);
            lock (_gate)
            {
                _recent.Add(key, value);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private bool Expired(DateTime written) => DateTime.UtcNow - written > Expiry;

    private void EnsureDirectory()
    {
        if (Directory.Exists(Root))
        {
            return;
        }
        var created = Directory.CreateDirectory(Root);
        if (!OperatingSystem.IsWindows())
        {
            created.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }
    }

    /// <summary>Learns what an earlier run (or another server) left in the directory, so the bounds cover it too.</summary>
    private void ScanOnce()
    {
        if (_scanned)
        {
            return;
        }
        _scanned = true;
        if (!Directory.Exists(Root))
        {
            return;
        }
        var found = new DirectoryInfo(Root).EnumerateFiles()
            .Where(f => BoundedValues.IsKey(f.Name))
            .Select(f => (f.Name, f.Length, f.LastWriteTimeUtc))
            .OrderBy(f => f.LastWriteTimeUtc);
        foreach (var (name, length, written) in found)
        {
            Track(name, length, written);
        }
        Evict();
    }

    private void Track(string key, long bytes, DateTime written)
    {
        Forget(key);
        _entries[key] = _byAge.AddLast((key, bytes, written));
        _bytes += bytes;
    }

    private void Forget(string key)
    {
        if (_entries.Remove(key, out var node))
        {
            _byAge.Remove(node);
            _bytes -= node.Value.Bytes;
        }
        _recent.Remove(key);
    }

    /// <summary>Deletes the oldest values while the store is over a bound or they have expired.</summary>
    private void Evict()
    {
        while (_byAge.First is { } oldest && (_bytes > MaxBytes || _entries.Count > MaxEntries || Expired(oldest.Value.Written)))
        {
            Forget(oldest.Value.Key);
            try
            {
                File.Delete(Path.Combine(Root, oldest.Value.Key));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another server may hold it open or have removed it: it is no longer ours to count.
            }
        }
    }
}
