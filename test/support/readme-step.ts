// The seed README's step example, verbatim, its `//` comment included: configs written by hand must parse.
export const README_STEP = `{
    "id": "1",
    "name": "sample",
    "description": "A sample StepConfig",
    "step_type": 0,
    "input_config": {
        "payload": {
            "user_prompt": "Tell me a joke!",
            "system_prompt": "You're a funny assistant."
        }
    },
    "model_query_config": {
        "model_key": "GEMINI_FLASH",
        "parameters": {
            "temperature": "0.7"
        },
        "system_prompt": "You are a helpful assistant.",
        "user_prompt": "%user_prompt%" // Interpolate input variables into model query
    },
    "output_config": {
        "payload": {
            "user_prompt": "Hahaha"
        }
    },
    "metadata": {
        "timestamp": 1741667405,
        "source": "create_sample",
        "version": "1.0"
    }
}`;
