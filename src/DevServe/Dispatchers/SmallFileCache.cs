using System.Collections.Concurrent;

namespace DevServe.Internal;

/// <summary>
/// The contents of small files a <c>Files</c> dispatcher served, so the next request for one is answered without
/// opening it. An entry is used only while the file's length, modification time and permissions (from the stat every
/// request makes anyway) are what they were when it was read; otherwise it is dropped and the file read again.
/// </summary>
/// <remarks>
/// Bounded: files up to 64 KiB, 16 MiB in all. When a file does not fit, everything kept is dropped and the cache
/// starts over (files renamed or deleted during a session would otherwise hold their room for good). Lookups take no
/// lock; changes, which happen on a miss only, take one.
/// </remarks>
internal sealed class SmallFileCache
{
    /// <summary>The largest file kept.</summary>
    public const int MaxFileBytes = 64 * 1024;

    /// <summary>The most kept in all.</summary>
    public const long MaxTotalBytes = 16L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _total;

    private sealed record Entry(long Length, DateTime Written, UnixFileMode Mode, byte[] Bytes);

    /// <summary>The bytes kept for <paramref name="path"/>, if the file still has this length, time and mode.</summary>
    public byte[]? Find(string path, long length, DateTime written, UnixFileMode mode)
    {
        if (!_entries.TryGetValue(path, out var entry))
        {
            return null;
        }
        if (entry.Length == length && entry.Written == written && entry.Mode == mode)
        {
            return entry.Bytes;
        }
        lock (_lock)
        {
            if (_entries.TryRemove(KeyValuePair.Create(path, entry)))
            {
                _total -= entry.Length;
            }
        }
        return null;
    }

    /// <summary>Keeps what was read, replacing an older version of the file.</summary>
    public void Add(string path, long length, DateTime written, UnixFileMode mode, byte[] bytes)
    {
        if (bytes.Length != length || length > MaxFileBytes)
        {
            return;
        }
        lock (_lock)
        {
            if (_entries.TryRemove(path, out var old))
            {
                _total -= old.Length;
            }
            if (_total + length > MaxTotalBytes)
            {
                _entries.Clear();
                _total = 0;
            }
            _entries[path] = new Entry(length, written, mode, bytes);
            _total += length;
        }
    }
}
