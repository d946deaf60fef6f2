using System.Collections.Concurrent;

namespace DevServe.Internal;

/// <summary>
/// The contents of small files a <c>Files</c> dispatcher served, so the next request for one is answered without
/// opening it. An entry is used only while the file's length and modification time (from the stat every request
/// makes anyway) are still what they were when it was read: an edited file is read again, never served stale.
/// </summary>
/// <remarks>Bounded: files up to 64 KiB, 16 MiB in all; once full, further files are served from disk as before.</remarks>
internal sealed class SmallFileCache
{
    /// <summary>The largest file kept.</summary>
    public const int MaxFileBytes = 64 * 1024;

    /// <summary>The most kept in all.</summary>
    public const long MaxTotalBytes = 16L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _total;

    private sealed record Entry(long Length, DateTime Written, byte[] Bytes);

    /// <summary>The bytes kept for <paramref name="path"/>, if it still has this length and time.</summary>
    public byte[]? Find(string path, long length, DateTime written)
        => _entries.TryGetValue(path, out var entry) && entry.Length == length && entry.Written == written ? entry.Bytes : null;

    /// <summary>Whether a file of <paramref name="length"/> bytes is read whole and kept.</summary>
    public bool Admits(long length) => length <= MaxFileBytes && Interlocked.Read(ref _total) + length <= MaxTotalBytes;

    /// <summary>Keeps what was read (replacing an older version of the file); a file that changed while read is not kept.</summary>
    public void Add(string path, long length, DateTime written, byte[] bytes)
    {
        if (bytes.Length != length)
        {
            return;
        }
        var entry = new Entry(length, written, bytes);
        _entries.AddOrUpdate(path, _ =>
        {
            Interlocked.Add(ref _total, length);
            return entry;
        }, (_, old) =>
        {
            Interlocked.Add(ref _total, length - old.Length);
            return entry;
        });
    }
}
