package train

import "github.com/dlc-go/dlc/runtime"

// StepProfile returns where the training step's runs spent their time, per
// op kind and per node (forward, backward and optimizer nodes alike); nil
// unless Config.Profile was set. With gradient accumulation the optimizer
// update runs in a session of its own and is not included.
func (t *Trainer) StepProfile() *runtime.Profile {
	if !t.cfg.Profile {
		return nil
	}
	return t.step.sess.Profile()
}
