package spec

import (
	"slices"
	"testing"
)

// TestResizedCrop reads data.augment.random_resized_crop from a file and
// from --set, and rejects bad bounds with the field's name.
func TestResizedCrop(t *testing.T) {
	const head = "model: {preset: contrastive, input: [4], classes: 3}\n"
	s, err := Parse([]byte(head+"data: {train: {images: a, labels: b}, augment: {random_resized_crop: {scale: [0.3, 1], ratio: [0.5, 2]}}}\n"), "spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	rc := s.Data.Augment.RandomResizedCrop
	if rc == nil || !slices.Equal(rc.Scale, []float64{0.3, 1}) || !slices.Equal(rc.Ratio, []float64{0.5, 2}) {
		t.Fatalf("random_resized_crop read as %+v", rc)
	}

	s, err = Parse([]byte(head+"data: {train: {images: a, labels: b}}\n"), "spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Data.Augment.RandomResizedCrop != nil {
		t.Fatal("random_resized_crop is set without being given")
	}
	if err := s.Set("data.augment.random_resized_crop.scale", "0.2, 0.9"); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if rc := s.Data.Augment.RandomResizedCrop; !slices.Equal(rc.Scale, []float64{0.2, 0.9}) || rc.Ratio != nil {
		t.Fatalf("--set gave %+v", rc)
	}

	for _, tc := range []struct{ crop, want string }{
		{"{scale: [0, 1]}", "spec.yaml:2: data.augment.random_resized_crop.scale: must be [low, high] with 0 < low <= high <= 1, got [0 1]"},
		{"{scale: [0.5]}", "spec.yaml:2: data.augment.random_resized_crop.scale: must be [low, high] with 0 < low <= high <= 1, got [0.5]"},
		{"{scale: [0.9, 0.5]}", "spec.yaml:2: data.augment.random_resized_crop.scale: must be [low, high] with 0 < low <= high <= 1, got [0.9 0.5]"},
		{"{scale: [0.5, 1.2]}", "spec.yaml:2: data.augment.random_resized_crop.scale: must be [low, high] with 0 < low <= high <= 1, got [0.5 1.2]"},
		{"{}", "spec.yaml: data.augment.random_resized_crop.scale: must be [low, high] with 0 < low <= high <= 1, got []"},
		{"{scale: [0.5, 1], ratio: [2, 1]}", "spec.yaml:2: data.augment.random_resized_crop.ratio: must be [low, high] with 0 < low <= high, got [2 1]"},
		{"{scale: [0.5, 1], ratio: [0, 1]}", "spec.yaml:2: data.augment.random_resized_crop.ratio: must be [low, high] with 0 < low <= high, got [0 1]"},
	} {
		s, err := Parse([]byte(head+"data: {train: {images: a, labels: b}, augment: {random_resized_crop: "+tc.crop+"}}\n"), "spec.yaml")
		if err != nil {
			t.Fatalf("%s: parse: %v", tc.crop, err)
		}
		if err := s.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("%s:\ngot  %v\nwant %s", tc.crop, err, tc.want)
		}
	}

	s = parseMinimal(t)
	if err := s.Set("data.augment.random_resized_crop.scale", "0.5, 1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("mlp with a resized crop: %v", err)
	}
}
