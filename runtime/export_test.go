package runtime

// RaceEnabled lets the external tests skip allocation counts under -race.
const RaceEnabled = raceEnabled
