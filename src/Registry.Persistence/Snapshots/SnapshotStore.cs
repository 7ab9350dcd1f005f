using Registry.Persistence.Snapshots.Model;
using Registry.Persistence.Snapshots.Storage;

namespace Registry.Persistence.Snapshots;

/// <summary>
/// Keeps the snapshot files of one registry: the current generation (<c>snapshot.json</c>) and the previous one
/// (<c>snapshot.json.1</c>), written atomically and power-safely, and loaded newest-verified-first.
/// </summary>
/// <remarks>
/// <para><b>Durability contract.</b> When <see cref="Save"/> returns, the new snapshot is the current generation on
/// stable storage (its data fdatasync'ed before the rename, the directory fsync'ed after it) and the generation it
/// replaced is the previous one. When <see cref="Save"/> throws (<see cref="SnapshotWriteException"/>), the files on
/// disk are in one of the states listed below, each of which loads either the old or the new snapshot; the temp file
/// is removed where possible, and a retry is safe because every save writes a fresh temp file and never reuses data
/// whose fsync failed.</para>
/// <para><b>Save sequence and crash argument.</b></para>
/// <code>
///  1. create snapshot.json.tmp (0600, any leftover removed)     crash: current + previous untouched
///  2. write all bytes, 3. fdatasync, close                     crash: same; the temp is never loaded
///  4. rename snapshot.json -> snapshot.json.1                  crash after: no current; previous = old (verifies)
///  5. rename snapshot.json.tmp -> snapshot.json                crash after: current = new (data already synced)
///  6. fsync the directory                                       after: both renames durable
/// </code>
/// <para>Until step 6, a power loss may drop renames that were not yet made durable. Each rename is atomic, so the
/// directory shows the old or new name of each; whatever subset survives, "current" names either the old file or
/// the fully synced new file, and when "current" is missing, "previous" names the old file. Hence at every point at
/// least one of old/new is loadable. If the current generation was refused by the last <see cref="Load"/>, step 4
/// moves it to <c>snapshot.json.corrupt</c> instead, so a damaged file never displaces the good previous generation
/// (design-brief §3: a snapshot that fails verification is never used and never overwritten).</para>
/// <para><b>Threading.</b> Saves and loads are serialised by one lock: Go's concurrent saves could interleave in its
/// shared temp file (spec §7.8).</para>
/// <para><b>Loading</b> never falls back to empty state: files that exist but do not verify are reported, and if none
/// verifies, <see cref="Load"/> throws <see cref="SnapshotCorruptException"/>; only a directory without any generation
/// yields a "none" result.</para>
/// </remarks>
public sealed class SnapshotStore
{
    private readonly ISnapshotFileSystem _fs;
    private readonly SnapshotStoreOptions _options;
    private readonly Lock _gate = new();
    private bool _currentRefused;

    /// <summary>Creates a store over the real file system; validates <paramref name="options"/>.</summary>
    public SnapshotStore(SnapshotStoreOptions options)
        : this(options, PosixSnapshotFileSystem.Instance)
    {
    }

    internal SnapshotStore(SnapshotStoreOptions options, ISnapshotFileSystem fileSystem)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _fs = fileSystem;
        DirectoryPath = Path.GetFullPath(options.Directory);
        CurrentPath = Path.Combine(DirectoryPath, options.FileName);
        PreviousPath = CurrentPath + ".1";
        TempPath = CurrentPath + ".tmp";
        QuarantinePath = CurrentPath + ".corrupt";
    }

    /// <summary>The directory holding the files.</summary>
    public string DirectoryPath { get; }

    /// <summary>The current generation.</summary>
    public string CurrentPath { get; }

    /// <summary>The previous generation.</summary>
    public string PreviousPath { get; }

    /// <summary>The temp file a save writes before renaming it into place.</summary>
    public string TempPath { get; }

    /// <summary>Where a refused current generation is moved aside by the next save.</summary>
    public string QuarantinePath { get; }

    /// <summary>Writes <paramref name="snapshot"/> as the new current generation (version 1, checksum, its <see cref="Snapshot.WalSeq"/>); see the durability contract.</summary>
    public SnapshotSaveResult Save(Snapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _ = Directory.CreateDirectory(DirectoryPath);
            var (checksum, length) = WriteTemp(snapshot);

            // The last point where a cancel leaves both generations exactly as they were; once the first rename is
            // issued the save runs to its end.
            if (cancellationToken.IsCancellationRequested)
            {
                TryDelete(TempPath);
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (_fs.Exists(CurrentPath))
            {
                var aside = _currentRefused ? QuarantinePath : PreviousPath;
                Step("rename current", aside, () => _fs.Rename(CurrentPath, aside));
            }

            Step("rename temp", CurrentPath, () => _fs.Rename(TempPath, CurrentPath));
            _currentRefused = false;
            Step("sync directory", DirectoryPath, () => _fs.SyncDirectory(DirectoryPath));
            return new SnapshotSaveResult(CurrentPath, checksum, length, snapshot.WalSeq);
        }
    }

    /// <summary>Loads the newest generation that verifies; see <see cref="SnapshotLoadResult"/>.</summary>
    public SnapshotLoadResult Load(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var rejected = new List<RejectedGeneration>();
            string[] paths = [CurrentPath, PreviousPath];
            for (var generation = 0; generation < paths.Length; generation++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = paths[generation];
                if (!_fs.Exists(path))
                {
                    continue;
                }

                try
                {
                    var file = SnapshotReader.Read(path);
                    _currentRefused = generation > 0 && rejected.Exists(r => r.Generation == 0);
                    return new SnapshotLoadResult
                    {
                        Found = true,
                        Path = path,
                        Generation = generation,
                        File = file,
                        Rejected = rejected,
                        Explanation = Explain(generation, file, rejected),
                    };
                }
                catch (SnapshotCorruptException ex)
                {
                    rejected.Add(new RejectedGeneration(path, generation, ex.Problem, ex.Message));
                }
            }

            if (rejected.Count > 0)
            {
                _currentRefused = rejected.Exists(r => r.Generation == 0);
                var reasons = string.Join("; ", rejected.Select(r => r.Reason));
                throw new SnapshotCorruptException(rejected[0].Problem, $"no snapshot generation verifies: {reasons}", CurrentPath);
            }

            return new SnapshotLoadResult { Found = false, Explanation = $"no snapshot in {DirectoryPath}" };
        }
    }

    private (string Checksum, long Length) WriteTemp(Snapshot snapshot)
    {
        ISnapshotFile? file = null;
        var step = "create temp";
        try
        {
            file = _fs.CreateTemp(TempPath);
            step = "write temp";
            string checksum;
            long length;
            using (var buffered = new BufferedSnapshotFile(file, _options.WriteChunkSize))
            {
                checksum = SnapshotEncoder.Encode(snapshot, buffered);
                buffered.Flush();
                length = buffered.Length;
            }

            step = "sync temp";
            file.Sync();
            step = "close temp";
            file.Dispose();
            file = null;
            return (checksum, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Json.GoJsonException)
        {
            file?.Dispose();
            TryDelete(TempPath);
            if (ex is Json.GoJsonException)
            {
                throw;
            }

            throw new SnapshotWriteException(step, TempPath, ex);
        }
    }

    private void Step(string step, string path, Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The renames are atomic: whatever happened, one of old/new is still named current or previous.
            TryDelete(TempPath);
            throw new SnapshotWriteException(step, path, ex);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            _fs.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp is harmless: it is never loaded and the next save recreates it.
        }
    }

    private static string Explain(int generation, VerifiedSnapshot file, List<RejectedGeneration> rejected)
    {
        var what = file.IsLegacy ? "legacy version-0 file (no checksum)" : $"version {file.Version}, checksum verified";
        return generation == 0
            ? $"current generation: {what}"
            : $"previous generation used because the current one {(rejected.Count == 0 ? "is missing" : "was refused")}: {what}";
    }
}
