using System.Text.Json;
using Registry.Persistence.Replication;

namespace Registry.Persistence.Tests.Replication;

public sealed class TimelineTests
{
    [Fact]
    public void Initial_IsEpochOneFromTheFirstRecord_AndLeavesNothing()
    {
        Assert.Equal([new TimelineEpoch(1, 1)], Timeline.Initial.Epochs);
        Assert.Equal(1UL, Timeline.Initial.Current);
        Assert.False(Timeline.Initial.Following);
        Assert.Null(Timeline.Initial.LeftAt(1));
    }

    [Fact]
    public void Promote_BeginsTheNextEpochAtTheNextRecord_AndLeftAtNamesIt()
    {
        var timeline = Timeline.Initial.WithFollowing(true).Promote(11).Promote(40);

        Assert.Equal([new TimelineEpoch(1, 1), new TimelineEpoch(2, 11), new TimelineEpoch(3, 40)], timeline.Epochs);
        Assert.False(timeline.Following);
        Assert.Equal(11UL, timeline.LeftAt(1));
        Assert.Equal(40UL, timeline.LeftAt(2));
        Assert.Null(timeline.LeftAt(3));
    }

    [Fact]
    public void Promote_BehindAnAdoptedEpoch_DropsThatEpochButNumbersAboveIt()
    {
        // A standby adopted its primary's epoch 2 (from 100) but was promoted holding only 1..50: it never held a record
        // of epoch 2, so its history goes from epoch 1 straight to epoch 3 at 51.
        var adopted = Timeline.Adopt([new TimelineEpoch(1, 1), new TimelineEpoch(2, 100)]);

        var promoted = adopted.Promote(51);

        Assert.Equal([new TimelineEpoch(1, 1), new TimelineEpoch(3, 51)], promoted.Epochs);
        Assert.Equal(51UL, promoted.LeftAt(2));
    }

    [Fact]
    public void Superseded_MarksANewerEpochOnly_SurvivesSaving_AndAPromotionNumbersAboveIt()
    {
        using var dir = new TempDirectory();
        var fenced = Timeline.Initial.Superseded(3);

        Assert.Same(Timeline.Initial, Timeline.Initial.Superseded(1));
        Assert.Equal(3UL, fenced.Superseded(2).SupersededBy);
        fenced.Save(dir.Path);
        Assert.Equal(3UL, Timeline.Load(dir.Path).SupersededBy);
        Assert.Contains("superseded by epoch 3", Timeline.Load(dir.Path).ToString(), StringComparison.Ordinal);

        var promoted = fenced.Promote(10);
        Assert.Equal([new TimelineEpoch(1, 1), new TimelineEpoch(4, 10)], promoted.Epochs);
        Assert.Null(promoted.SupersededBy);
        Assert.Null(Timeline.Adopt(fenced.Epochs).SupersededBy);
    }

    [Fact]
    public void SteppedDown_SurvivesSavingAndFencing_AndAPromotionOrAdoptionEndsIt()
    {
        using var dir = new TempDirectory();
        var stepped = Timeline.Initial.WithSteppedDown(41);
        Assert.Same(stepped, stepped.WithSteppedDown(41));
        stepped.Superseded(2).WithFollowing(true).Save(dir.Path);

        var loaded = Timeline.Load(dir.Path);
        Assert.Equal(41UL, loaded.SteppedDownAt);
        Assert.Equal(2UL, loaded.SupersededBy);
        Assert.True(loaded.SameAs(stepped.Superseded(2).WithFollowing(true)));
        Assert.False(loaded.SameAs(Timeline.Initial.Superseded(2).WithFollowing(true)));
        Assert.Contains("stepped down at sequence 41", loaded.ToString(), StringComparison.Ordinal);

        Assert.Null(stepped.Promote(42).SteppedDownAt);
        Assert.Null(Timeline.Adopt(stepped.Epochs).SteppedDownAt);
        Assert.Null(stepped.WithSteppedDown(null).SteppedDownAt);
        Timeline.Initial.Save(dir.Path);
        Assert.Null(Timeline.Load(dir.Path).SteppedDownAt);
    }

    [Fact]
    public void SaveThenLoad_GivesTheSameTimeline()
    {
        using var dir = new TempDirectory();
        var timeline = Timeline.Initial.Promote(7).WithFollowing(true);

        timeline.Save(dir.Path);
        var loaded = Timeline.Load(dir.Path);

        Assert.True(loaded.SameAs(timeline));
        Assert.False(File.Exists(Path.Combine(dir.Path, Timeline.FileName + ".tmp")));
    }

    [Fact]
    public void Load_NoFile_IsInitial()
    {
        using var dir = new TempDirectory();

        Assert.True(Timeline.Load(dir.Path).SameAs(Timeline.Initial));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"epochs\":[{\"epoch\":1,\"start\":1}]")]
    [InlineData("{\"epochs\":[{\"epoch\":1,\"start\":1}]}")]
    [InlineData("{\"epochs\":[],\"following\":false}")]
    [InlineData("{\"epochs\":[{\"epoch\":1,\"start\":2}],\"following\":false}")]
    [InlineData("{\"epochs\":[{\"epoch\":2,\"start\":1},{\"epoch\":2,\"start\":5}],\"following\":false}")]
    [InlineData("{\"epochs\":[{\"epoch\":1,\"start\":1},{\"epoch\":2,\"start\":9},{\"epoch\":3,\"start\":4}],\"following\":false}")]
    [InlineData("{\"epochs\":[{\"epoch\":-1,\"start\":1}],\"following\":false}")]
    public void Load_DamagedFile_ThrowsNamingItAndGuessesNothing(string text)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, Timeline.FileName);
        File.WriteAllText(path, text);

        var ex = Assert.Throws<PersistenceException>(() => Timeline.Load(dir.Path));

        Assert.Equal(path, ex.FilePath);
        Assert.Contains("damaged", ex.Message, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(path));
    }

    [Fact]
    public void WriteEpochsThenReadEpochs_RoundTrips()
    {
        var timeline = Timeline.Initial.Promote(3).Promote(3);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            timeline.WriteEpochs(writer, "epochs");
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());

        Assert.Equal(timeline.Epochs, Timeline.ReadEpochs(document.RootElement.GetProperty("epochs")));
    }
}
