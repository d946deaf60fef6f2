using System.Text;

namespace DevServe;

/// <summary>
/// A <see cref="KeyRing"/> kept in one file, owner-only, replaced whole (a temporary file renamed over it) under a lock
/// file beside it, so servers sharing the file (one machine, or a shared volume) never see half a ring.
/// </summary>
internal sealed class KeyRingFile(string path) : IKeyRingStorage
{
    private readonly string _path = Path.GetFullPath(path ?? throw new ArgumentNullException(nameof(path)));

    public string Name => _path;

    public string? Read()
    {
        try
        {
            return File.Exists(_path) ? File.ReadAllText(_path, Encoding.UTF8) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyRingUnavailableException($"{_path}: {e.Message}", e);
        }
    }

    public bool TryReplace(string? expected, string updated)
    {
        try
        {
            if (!Directory.Exists(Path.GetDirectoryName(_path)))
            {
                throw new DirectoryNotFoundException($"no such directory: {Path.GetDirectoryName(_path)}");   // a typo, not a place to make
            }
            using var held = Lock();
            if ((File.Exists(_path) ? File.ReadAllText(_path, Encoding.UTF8) : null) != expected)
            {
                return false;
            }
            var temp = $"{_path}.{Guid.NewGuid():N}.tmp";
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var file = new FileStream(temp, options))
            {
                file.Write(Encoding.UTF8.GetBytes(updated));
            }
            File.Move(temp, _path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyRingUnavailableException($"{_path}: {e.Message}", e);
        }
    }

    // An exclusive open of the lock file; another server waiting for it retries for up to 5 s.
    private FileStream Lock()
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            try
            {
                return new FileStream(_path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }
}
